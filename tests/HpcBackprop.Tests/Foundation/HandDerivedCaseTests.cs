using HpcBackprop.Reference;

namespace HpcBackprop.Tests.Foundation;

/// <summary>Cases whose J and D are derived on paper, checked against both the reference and the library.</summary>
public class HandDerivedCaseTests
{
    // A 1-1 network is logistic regression on one feature: Theta = [b, w], h = g(b + w x),
    // J = -(1/m) sum [y log h + (1 - y) log(1 - h)] + lambda/(2m) w^2,
    // dJ/db = (1/m) sum (h - y), dJ/dw = (1/m) sum (h - y) x + (lambda/m) w.
    [Theory]
    [InlineData(0.25, -0.5, 0.0)]
    [InlineData(-1.0, 2.0, 1.5)]
    [InlineData(0.0, 0.0, 3.0)]
    public void Logistic_regression_on_one_feature_matches_the_formulas(double b, double w, double lambda)
    {
        double[] x = [0.5, -2.0, 1.0];
        double[] y = [1.0, 0.0, 1.0];
        int m = x.Length;
        double j = 0, db = 0, dw = 0;
        for (int t = 0; t < m; t++)
        {
            double h = 1 / (1 + Math.Exp(-(b + (w * x[t]))));
            j -= (y[t] * Math.Log(h)) + ((1 - y[t]) * Math.Log(1 - h));
            db += h - y[t];
            dw += (h - y[t]) * x[t];
        }

        j = (j / m) + (lambda / (2 * m) * w * w);
        db /= m;
        dw = (dw / m) + (lambda / m * w);

        var layout = new NetworkLayout(1, 1);
        double[] theta = [b, w];
        var reference = new double[2];
        var library = new double[2];
        double jRef = ReferenceBackprop.CostAndGradient<double>(layout, theta, x, y, lambda, reference);
        double jLib = Backpropagation.CostAndGradient<double>(layout, theta, x, y, lambda, library);

        const double tol = 1e-14; // a handful of operations on values of order 1
        Assert.Equal(j, jRef, tol);
        Assert.Equal(j, jLib, tol);
        Assert.Equal(db, reference[0], tol);
        Assert.Equal(dw, reference[1], tol);
        Assert.Equal(db, library[0], tol);
        Assert.Equal(dw, library[1], tol);
    }

    [Fact]
    public void With_one_output_label_zero_means_target_one()
    {
        // Spec: with K = 1 the only label is 0 and its one-hot target is y = 1.
        var layout = new NetworkLayout(1, 1);
        double[] theta = [0.3, -0.7];
        double[] x = [0.9];
        var fromLabel = new double[2];
        var fromTarget = new double[2];
        double jLabel = Backpropagation.CostAndGradient<double>(layout, theta, x, [0], 0.5, fromLabel);
        double jTarget = Backpropagation.CostAndGradient<double>(layout, theta, x, [1.0], 0.5, fromTarget);
        Assert.Equal(jTarget, jLabel);
        Assert.Equal(fromTarget, fromLabel);
    }

    [Fact]
    public void Lambda_changes_only_the_non_bias_entries_by_lambda_over_m_theta()
    {
        var p = Problem.Create(seed: 12345, maxLayers: 4, maxSize: 7, maxM: 6);
        var plain = new double[p.Layout.ParameterCount];
        var regularized = new double[p.Layout.ParameterCount];
        const double lambda = 2.5;
        double j0 = ReferenceBackprop.CostAndGradient<double>(p.Layout, p.Parameters, p.Features, p.Labels, 0, plain);
        double j1 = ReferenceBackprop.CostAndGradient<double>(p.Layout, p.Parameters, p.Features, p.Labels, lambda, regularized);

        double squares = 0;
        for (int l = 0; l < p.Layout.ThetaCount; l++)
        {
            var theta = p.Layout.Theta<double>(p.Parameters, l);
            var d0 = p.Layout.Theta<double>(plain, l);
            var d1 = p.Layout.Theta<double>(regularized, l);
            for (int i = 0; i < theta.Rows; i++)
            {
                Assert.Equal(d0[i, 0], d1[i, 0]); // the bias column is never regularized
                for (int c = 1; c < theta.Columns; c++)
                {
                    Assert.Equal(d0[i, c] + (lambda / p.M * theta[i, c]), d1[i, c], 1e-15);
                    squares += theta[i, c] * theta[i, c];
                }
            }
        }

        Assert.Equal(j0 + (lambda / (2 * p.M) * squares), j1, 1e-13);
    }

    [Fact]
    public void Single_example_gradient_is_the_outer_product_of_the_output_error_and_the_input()
    {
        // L = 2, m = 1: D = (h - y) [1; x]' exactly, with lambda = 0.
        var layout = new NetworkLayout(3, 2);
        double[] theta = [0.1, 0.2, -0.3, 0.4, -0.5, 0.6, 0.7, -0.8];
        double[] x = [1.0, -1.0, 0.5];
        var gradient = new double[theta.Length];
        Backpropagation.CostAndGradient<double>(layout, theta, x, [1], 0, gradient);
        for (int i = 0; i < 2; i++)
        {
            double z = theta[i * 4] + (theta[(i * 4) + 1] * x[0]) + (theta[(i * 4) + 2] * x[1]) + (theta[(i * 4) + 3] * x[2]);
            double d = (1 / (1 + Math.Exp(-z))) - (i == 1 ? 1 : 0);
            Assert.Equal(d, gradient[i * 4], 1e-15);
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(d * x[j], gradient[(i * 4) + 1 + j], 1e-15);
            }
        }
    }
}
