#!/usr/bin/env python3
"""An independent implementation of docs/spec.md in plain Python (no packages), checked against the
library's answers that Program.cs writes: J and D of every engine in double and float, Forward's h and
Predict's classes. Written from the spec's text, not from the library or its C# reference.

usage: python3 tests/CrossCheck/spec_reference.py [artifacts/crosscheck/cases.jsonl]

Each case passes when every error is within bound = 8 * n * eps * scale, where eps is the unit roundoff
of the precision, n the number of rounded operations along the longest chain of a result (the sum of
every layer's s(l) + 1, plus m for the sums over examples), and scale is |J| for the cost and max |D| for
the gradient (forward error of recursive summation, gamma_n ~ n eps, with a factor 8 for the products,
the sigmoid and the float rounding of the inputs). The dot products and J here use math.fsum (one rounding);
Delta is summed over the examples in order, like the spec's loop. A NaN or infinite value, a missing
engine or a vector of the wrong length is a failure, and so is a file with no cases.
"""
import json
import math
import sys

EPS = {"double": 2.0 ** -53, "float": 2.0 ** -24}
ENGINES = {"per-example", "batched-1", "batched-2", "automatic"}


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def softplus(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def reference(case):
    """J, D (flat, Theta(1) first, row-major) and h (m x K) by the spec's per-example algorithm."""
    s, m, lam = case["sizes"], case["m"], case["lambda"]
    x, flat, k_out = case["x"], case["theta"], case["sizes"][-1]
    theta, offset = [], 0
    for l in range(len(s) - 1):
        rows, cols = s[l + 1], s[l] + 1
        theta.append([flat[offset + i * cols: offset + (i + 1) * cols] for i in range(rows)])
        offset += rows * cols
    delta = [[[0.0] * (s[l] + 1) for _ in range(s[l + 1])] for l in range(len(s) - 1)]
    cost_terms, h_all = [], []
    for t in range(m):
        a = [[1.0] + x[t * s[0]:(t + 1) * s[0]]]
        z = None
        for l in range(len(s) - 1):
            z = [math.fsum(w * v for w, v in zip(theta[l][i], a[l])) for i in range(s[l + 1])]
            g = [sigmoid(v) for v in z]
            a.append(g if l == len(s) - 2 else [1.0] + g)
        h = a[-1]
        h_all.extend(h)
        if "targets" in case:
            y = case["targets"][t * k_out:(t + 1) * k_out]
        else:
            y = [1.0 if k == case["labels"][t] else 0.0 for k in range(k_out)]
        # log h = -softplus(-z), log(1 - h) = -softplus(z): the stable form of the spec's cost terms.
        cost_terms.extend(y[k] * softplus(-z[k]) + (1.0 - y[k]) * softplus(z[k]) for k in range(k_out))
        d = [h[k] - y[k] for k in range(k_out)]
        for l in range(len(s) - 2, -1, -1):
            for i in range(s[l + 1]):
                row = delta[l][i]
                for j in range(s[l] + 1):
                    row[j] += d[i] * a[l][j]
            if l > 0:
                e = [math.fsum(theta[l][i][j] * d[i] for i in range(s[l + 1])) for j in range(s[l] + 1)]
                d = [e[j + 1] * a[l][j + 1] * (1.0 - a[l][j + 1]) for j in range(s[l])]
    squares = math.fsum(w * w for layer in theta for row in layer for w in row[1:])
    cost = math.fsum(cost_terms) / m + lam / (2 * m) * squares
    grad = [delta[l][i][j] / m + (lam / m * theta[l][i][j] if j > 0 else 0.0)
            for l in range(len(s) - 1) for i in range(s[l + 1]) for j in range(s[l] + 1)]
    return cost, grad, h_all


def max_difference(library, reference):
    """The largest |library - reference| over two vectors of the same length; NaN when a value is not finite."""
    if len(library) != len(reference) or not reference:
        return math.nan
    if not all(math.isfinite(v) for v in library):
        return math.nan
    return max(abs(p - q) for p, q in zip(library, reference))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "artifacts/crosscheck/cases.jsonl"
    worst, failures, count = {}, [], 0
    for number, line in enumerate(open(path)):
        case = json.loads(line)
        count += 1
        cost, grad, h = reference(case)
        n = sum(size + 1 for size in case["sizes"]) + case["m"]
        grad_scale = max(max(abs(v) for v in grad), sys.float_info.min)
        checks = []
        if set(case["runs"]) != ENGINES:
            failures.append(f"case {number}: engines {sorted(case['runs'])}, expected {sorted(ENGINES)}")
        for engine, run in case["runs"].items():
            for precision, j_key, g_key in (("double", "J", "g"), ("float", "J_float", "g_float")):
                bound = 8 * n * EPS[precision]
                checks.append((f"{engine} {precision} J", abs(run[j_key] - cost) / max(abs(cost), sys.float_info.min), bound))
                checks.append((f"{engine} {precision} D", max_difference(run[g_key], grad) / grad_scale, bound))
        checks.append(("forward h", max_difference(case["h"], h), 8 * n * EPS["double"]))
        k_out, mismatched = case["sizes"][-1], 0
        for t in range(case["m"]):
            row = h[t * k_out:(t + 1) * k_out]
            ranked = sorted(row, reverse=True)
            if k_out > 1 and ranked[0] - ranked[1] <= 8 * n * EPS["double"]:
                continue  # a near tie: either class is right within rounding
            mismatched += case["classes"][t] != row.index(ranked[0])
        checks.append(("predict classes", mismatched, 0))
        for name, error, bound in checks:
            previous = worst.get(name)
            if previous is None or (not math.isnan(previous[0]) and not error <= previous[0]):  # NaN is the worst
                worst[name] = (error, number, error / bound if bound else error)
            if not error <= bound:  # NaN fails
                failures.append(f"case {number} {case['sizes']} m={case['m']}: {name} error {error:.3e} > bound {bound:.3e}")
    print(f"{count} cases; worst error of each quantity (relative to |J| or max |D|), its case, and error / bound:")
    for name, (error, number, ratio) in sorted(worst.items()):
        print(f"  {name:28} {error:.3e}  case {number:4}  {ratio:.4f}")
    for failure in failures[:20]:
        print("FAIL", failure)
    if count == 0:
        failures.append(f"{path} holds no cases")
    print("FAILED" if failures else "PASSED", f"({len(failures)} errors over their bound)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
