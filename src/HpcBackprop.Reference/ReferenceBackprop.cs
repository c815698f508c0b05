using System.Numerics;

namespace HpcBackprop.Reference;

/// <summary>
/// The spec, literally: per example, scalar loops, no SIMD and no cleverness, readable side by side
/// with docs/spec.md. It is the oracle of the tests and the baseline of the benchmarks; the library
/// never calls it.
/// </summary>
/// <remarks>
/// The cost is computed as the spec writes it, with log(h) and log(1 - h): a saturated output
/// (h rounded to exactly 0 or 1) gives an infinite J here, where the library's stable form stays finite.
/// Arguments are not validated beyond what indexing checks.
/// </remarks>
public static class ReferenceBackprop
{
    /// <summary>J and D for m examples given by class labels (one-hot targets).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="layout">s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, row-major, Theta(1) first.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="labels">m class indices in 0..K-1.</param>
    /// <param name="lambda">Regularization strength.</param>
    /// <param name="gradient">Receives D, laid out like <paramref name="parameters"/>.</param>
    /// <returns>J.</returns>
    public static T CostAndGradient<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features,
        ReadOnlySpan<int> labels, T lambda, Span<T> gradient)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        int k = layout.OutputSize;
        var targets = new T[labels.Length * k];
        for (int t = 0; t < labels.Length; t++)
        {
            targets[(t * k) + labels[t]] = T.One; // y(t) = one-hot(label)
        }

        return CostAndGradient(layout, parameters, features, targets, lambda, gradient);
    }

    /// <summary>J and D for m examples given by dense targets, m = targets.Length / K.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="layout">s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, row-major, Theta(1) first.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="targets">Y, m x K row-major.</param>
    /// <param name="lambda">Regularization strength.</param>
    /// <param name="gradient">Receives D, laid out like <paramref name="parameters"/>; may be empty to get J alone.</param>
    /// <returns>J.</returns>
    public static T CostAndGradient<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features,
        ReadOnlySpan<T> targets, T lambda, Span<T> gradient)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        int L = layout.LayerCount;
        int K = layout.OutputSize;
        int m = targets.Length / K;
        T[][,] Theta = new T[L][,];   // Theta[l], l = 1..L-1, s(l+1) x (s(l)+1)
        T[][,] Delta = new T[L][,];
        for (int l = 1; l < L; l++)
        {
            int rows = layout.ThetaRows(l - 1), cols = layout.ThetaColumns(l - 1);
            Theta[l] = new T[rows, cols];
            Delta[l] = new T[rows, cols];   // Delta(l) starts at zero.
            int offset = layout.ThetaOffset(l - 1);
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    Theta[l][i, j] = parameters[offset + (i * cols) + j];
                }
            }
        }

        T J = T.Zero;
        for (int t = 0; t < m; t++)
        {
            // Forward pass. a[l] holds a(l) with its bias unit at index 0 for l < L; a[L] = h has no bias unit.
            T[][] a = new T[L + 1][];
            T[][] z = new T[L + 1][];
            int s1 = layout.InputSize;
            a[1] = new T[s1 + 1];
            a[1][0] = T.One;                                        // a(1) = [1; x]
            for (int j = 0; j < s1; j++)
            {
                a[1][j + 1] = features[(t * s1) + j];
            }

            for (int l = 1; l < L; l++)
            {
                int rows = Theta[l].GetLength(0), cols = Theta[l].GetLength(1);
                z[l + 1] = new T[rows];
                for (int i = 0; i < rows; i++)                      // z(l+1) = Theta(l) a(l)
                {
                    T sum = T.Zero;
                    for (int j = 0; j < cols; j++)
                    {
                        sum += Theta[l][i, j] * a[l][j];
                    }

                    z[l + 1][i] = sum;
                }

                if (l + 1 < L)                                      // a(l+1) = [1; g(z(l+1))]
                {
                    a[l + 1] = new T[rows + 1];
                    a[l + 1][0] = T.One;
                    for (int i = 0; i < rows; i++)
                    {
                        a[l + 1][i + 1] = g(z[l + 1][i]);
                    }
                }
                else                                                // a(L) = g(z(L)) = h
                {
                    a[L] = new T[rows];
                    for (int i = 0; i < rows; i++)
                    {
                        a[L][i] = g(z[L][i]);
                    }
                }
            }

            // Cost: -sum_k [ y_k log h_k + (1 - y_k) log(1 - h_k) ].
            T[] h = a[L];
            for (int kk = 0; kk < K; kk++)
            {
                T y = targets[(t * K) + kk];
                J -= (y * T.Log(h[kk])) + ((T.One - y) * T.Log(T.One - h[kk]));
            }

            if (gradient.IsEmpty)
            {
                continue;
            }

            // Backward pass. d[l] has s(l) entries (no bias unit).
            T[][] d = new T[L + 1][];
            d[L] = new T[K];
            for (int kk = 0; kk < K; kk++)
            {
                d[L][kk] = h[kk] - targets[(t * K) + kk];            // d(L) = a(L) - y(t)
            }

            for (int l = L - 1; l >= 2; l--)                        // d(l) = (Theta(l)' d(l+1))[rows 1..] .* g'(z(l))
            {
                int rows = Theta[l].GetLength(0), cols = Theta[l].GetLength(1);
                d[l] = new T[cols - 1];
                for (int j = 1; j < cols; j++)
                {
                    T sum = T.Zero;
                    for (int i = 0; i < rows; i++)
                    {
                        sum += Theta[l][i, j] * d[l + 1][i];
                    }

                    T gprime = a[l][j] * (T.One - a[l][j]);         // g'(z(l)) = a(l) .* (1 - a(l))
                    d[l][j - 1] = sum * gprime;
                }
            }

            for (int l = 1; l < L; l++)                             // Delta(l) += d(l+1) a(l)'
            {
                int rows = Theta[l].GetLength(0), cols = Theta[l].GetLength(1);
                for (int i = 0; i < rows; i++)
                {
                    for (int j = 0; j < cols; j++)
                    {
                        Delta[l][i, j] += d[l + 1][i] * a[l][j];
                    }
                }
            }
        }

        T mT = T.CreateChecked(m);
        J /= mT;

        // Regularization: lambda / (2m) times the squares of every non-bias weight (j >= 1).
        T squares = T.Zero;
        for (int l = 1; l < L; l++)
        {
            for (int i = 0; i < Theta[l].GetLength(0); i++)
            {
                for (int j = 1; j < Theta[l].GetLength(1); j++)
                {
                    squares += Theta[l][i, j] * Theta[l][i, j];
                }
            }
        }

        J += lambda / (T.CreateChecked(2) * mT) * squares;

        if (!gradient.IsEmpty)
        {
            for (int l = 1; l < L; l++)
            {
                int rows = Theta[l].GetLength(0), cols = Theta[l].GetLength(1);
                int offset = layout.ThetaOffset(l - 1);
                for (int i = 0; i < rows; i++)
                {
                    gradient[offset + (i * cols)] = Delta[l][i, 0] / mT;               // D(l)[i,0] = Delta/m
                    for (int j = 1; j < cols; j++)                                     // D(l)[i,j] = Delta/m + (lambda/m) Theta
                    {
                        gradient[offset + (i * cols) + j] = (Delta[l][i, j] / mT) + (lambda / mT * Theta[l][i, j]);
                    }
                }
            }
        }

        return J;
    }

    /// <summary>The output activations h (m x K) of a forward pass, literally.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="layout">s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <returns>h, m x K row-major.</returns>
    public static T[] Forward<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        int m = features.Length / layout.InputSize;
        var output = new T[m * layout.OutputSize];
        for (int t = 0; t < m; t++)
        {
            T[] a = features.Slice(t * layout.InputSize, layout.InputSize).ToArray();
            for (int l = 0; l < layout.ThetaCount; l++)
            {
                int rows = layout.ThetaRows(l), cols = layout.ThetaColumns(l);
                int offset = layout.ThetaOffset(l);
                var next = new T[rows];
                for (int i = 0; i < rows; i++)
                {
                    T sum = parameters[offset + (i * cols)];
                    for (int j = 1; j < cols; j++)
                    {
                        sum += parameters[offset + (i * cols) + j] * a[j - 1];
                    }

                    next[i] = g(sum);
                }

                a = next;
            }

            a.CopyTo(output, t * layout.OutputSize);
        }

        return output;
    }

    /// <summary>g(z) = 1 / (1 + e^-z).</summary>
    private static T g<T>(T z)
        where T : IFloatingPointIeee754<T>
        => T.One / (T.One + T.Exp(-z));
}
