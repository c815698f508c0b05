using BenchmarkDotNet.Running;
using HpcBackprop.Benchmarks.Peers;

if (args.Length > 0 && args[0] == "--libtorch-check")
{
    Console.WriteLine(LibTorch.UnavailableReason ?? "libtorch OK: " + LibTorch.LoadNote);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
