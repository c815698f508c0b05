using System.Runtime.CompilerServices;

namespace HpcBackprop.Engine;

/// <summary>A workspace the pool can make and match by layout.</summary>
internal interface IPooledWorkspace<TSelf>
    where TSelf : class, IPooledWorkspace<TSelf>
{
    NetworkLayout Layout { get; }

    /// <summary>The bytes of the buffers it holds (what keeping it costs).</summary>
    long Bytes { get; }

    static abstract TSelf Create(NetworkLayout layout);
}

/// <summary>
/// A process-wide, thread-safe pool of workspaces, so concurrent callers of the static entry points
/// each get their own buffers without allocating once the pool is warm. A short lock around a scan of
/// a small preallocated array: uncontended it costs tens of nanoseconds and allocates nothing, which a
/// lock-free structure would not buy back at this call rate.
/// </summary>
/// <remarks>
/// It keeps the most recently returned workspaces: always up to <see cref="MinCount"/> of them, however large (one
/// per concurrent caller of a large layout, as before), and beyond that as many as fit <see cref="MaxBytes"/> of
/// buffers, up to <see cref="MaxCount"/>. A count of 16 alone was too few for a service scoring many small models:
/// the 17th layout in a round robin missed on every call and allocated its workspace again.
/// </remarks>
internal static class WorkspacePool<TWorkspace>
    where TWorkspace : class, IPooledWorkspace<TWorkspace>
{
    /// <summary>How many workspaces are kept whatever their size: a few per core.</summary>
    public static readonly int MinCount = Math.Max(16, 4 * Environment.ProcessorCount);

    /// <summary>The most workspaces kept.</summary>
    public static readonly int MaxCount = Math.Max(256, MinCount);

    /// <summary>The bytes of buffers beyond which workspaces past <see cref="MinCount"/> are not kept.</summary>
    public const long MaxBytes = 64L << 20;

    private static readonly TWorkspace?[] Free = new TWorkspace?[MaxCount]; // [0, s_count): oldest first
    private static readonly Lock Gate = new();
    private static int s_count;
    private static long s_bytes;

    /// <summary>How many workspaces are kept now (for tests).</summary>
    public static int Count
    {
        get
        {
            lock (Gate)
            {
                return s_count;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static TWorkspace Rent(NetworkLayout layout)
    {
        lock (Gate)
        {
            // Newest first: a caller that alternates between layouts finds its own at the end.
            for (int i = s_count - 1; i >= 0; i--)
            {
                TWorkspace ws = Free[i]!;
                if (ReferenceEquals(ws.Layout, layout) || ws.Layout.Equals(layout))
                {
                    Array.Copy(Free, i + 1, Free, i, s_count - i - 1);
                    Free[--s_count] = null;
                    s_bytes -= ws.Bytes;
                    return ws;
                }
            }
        }

        return TWorkspace.Create(layout);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Return(TWorkspace workspace)
    {
        lock (Gate)
        {
            // Evict the oldest while the pool is full, or holds at least MinCount and the newest would pass the budget.
            long bytes = workspace.Bytes;
            while (s_count == MaxCount || (s_count >= MinCount && s_bytes + bytes > MaxBytes))
            {
                s_bytes -= Free[0]!.Bytes;
                Array.Copy(Free, 1, Free, 0, s_count - 1);
                Free[--s_count] = null;
            }

            Free[s_count++] = workspace;
            s_bytes += bytes;
        }
    }
}
