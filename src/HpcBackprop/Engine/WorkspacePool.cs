namespace HpcBackprop.Engine;

/// <summary>A workspace the pool can make and match by layout.</summary>
internal interface IPooledWorkspace<TSelf>
    where TSelf : class, IPooledWorkspace<TSelf>
{
    NetworkLayout Layout { get; }

    static abstract TSelf Create(NetworkLayout layout);
}

/// <summary>
/// A process-wide, thread-safe pool of workspaces, so concurrent callers of the static entry points
/// each get their own buffers without allocating once the pool is warm. A short lock around a scan of
/// a small preallocated array: uncontended it costs tens of nanoseconds and allocates nothing, which a
/// lock-free structure would not buy back at this call rate.
/// </summary>
internal static class WorkspacePool<TWorkspace>
    where TWorkspace : class, IPooledWorkspace<TWorkspace>
{
    // Enough for every core to hold a few layouts at once; beyond it returned workspaces are dropped.
    private static readonly TWorkspace?[] Free = new TWorkspace?[Math.Max(16, 4 * Environment.ProcessorCount)];
    private static readonly Lock Gate = new();

    public static TWorkspace Rent(NetworkLayout layout)
    {
        lock (Gate)
        {
            for (int i = 0; i < Free.Length; i++)
            {
                TWorkspace? ws = Free[i];
                if (ws is not null && (ReferenceEquals(ws.Layout, layout) || ws.Layout.Equals(layout)))
                {
                    Free[i] = null;
                    return ws;
                }
            }
        }

        return TWorkspace.Create(layout);
    }

    public static void Return(TWorkspace workspace)
    {
        lock (Gate)
        {
            for (int i = 0; i < Free.Length; i++)
            {
                if (Free[i] is null)
                {
                    Free[i] = workspace;
                    return;
                }
            }

            // Full: evict the oldest slot's workspace (slot 0) so a service that changes layouts keeps the newest.
            Array.Copy(Free, 1, Free, 0, Free.Length - 1);
            Free[^1] = workspace;
        }
    }
}
