namespace HpcBackprop.Tests;

/// <summary>
/// Measures what warm calls allocate on the calling thread.
/// </summary>
/// <remarks>
/// The runtime can bill a one-off allocation to the measuring thread at any time after warm-up: tiered
/// compilation promotes methods on a wall-clock delay, so on a loaded machine a promotion can land inside
/// the measured window (CI saw 4176 bytes once in 20 warm calls that allocate nothing on every other run).
/// Warm-up alone cannot rule that out, so the probe makes up to <c>attempts</c> attempts and passes at the
/// first clean one. An attempt is a window of <c>callsPerWindow</c> calls and then a confirming window as
/// long as every call made before it, and both must allocate nothing:
/// <list type="bullet">
/// <item>a cost paid per call dirties every window;</item>
/// <item>a cost paid whenever the call count doubles (a collection that grows by doubling) falls inside
/// every confirming window, which spans calls N + 1 .. 2N;</item>
/// <item>a one-off dirties one attempt only.</item>
/// </list>
/// The calls are identical, so a lazy buffer of our own would have been allocated in the first warm call.
/// </remarks>
internal static class AllocationProbe
{
    /// <summary>Runs <paramref name="calls"/> warm, then asserts that some attempt's two windows allocated 0 bytes.</summary>
    /// <returns>How many times <paramref name="calls"/> ran.</returns>
    public static long AssertWarmCallsAllocateNothing(Action calls, int warmCalls = 60, int callsPerWindow = 20, int attempts = 3)
    {
        long made = 0;
        long Window(long count)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (long i = 0; i < count; i++)
            {
                calls();
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            made += count;
            return allocated;
        }

        Window(warmCalls);
        var seen = new List<string>();
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            long first = Window(callsPerWindow);
            long confirming = first == 0 ? Window(made) : -1;
            if (first == 0 && confirming == 0)
            {
                return made;
            }

            seen.Add(confirming < 0 ? $"{first}" : $"0 then {confirming} in the confirming window");
        }

        Assert.Fail($"every attempt allocated (bytes per attempt: {string.Join("; ", seen)})");
        return made;
    }
}
