using System.Threading.Channels;

namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// Loads the model at start-up (the host does not start serving before this first look is over), then watches the
/// models folder for a new classifier file of its store's kind (<see cref="ModelContract.ModelFileName"/>, or
/// <see cref="MultiMnistContract.ModelFileName"/>: one watcher per kind) and has its <see cref="ModelReloader"/> load it.
/// A <see cref="FileSystemWatcher"/> reacts at once; a poll every <see cref="InferenceOptions.ReloadPollSeconds"/>
/// compares the file's size and time stamp and catches what the watcher misses (network and container volumes, a
/// folder created after start-up). Only the classifier files trigger a reload: the trainer publishes capsnet.onnx last,
/// and capsnet.int8.onnx (written by <c>capsnet-train quantize</c> beside a serving model) on its own.
/// </summary>
public sealed class ModelDirectoryWatcher(
    ModelReloader reloader, OnnxModelStore store, IOptions<InferenceOptions> options, ILogger<ModelDirectoryWatcher> logger)
    : IHostedService, IDisposable
{
    /// <summary>How long to wait after a file-system event for the burst of events of one publish to end.</summary>
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private readonly Channel<string> _signals = Channel.CreateBounded<string>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private FileSystemWatcher? _watcher;
    private Task? _loop;
    private string? _lastSeen;
    private int _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Models folder for {File}: {Directory} (polled every {Seconds} s besides the file-system watcher)",
            store.Kind.ModelFileName, store.Directory, options.Value.ReloadPollSeconds);
        _lastSeen = Stamp();
        await reloader.ReloadAsync("start-up", cancellationToken);
        TryWatch();
        _loop = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _stopping.CancelAsync();
        if (_loop is not null)
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        var poll = TimeSpan.FromSeconds(options.Value.ReloadPollSeconds);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                string? trigger = null;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    timeout.CancelAfter(poll);
                    try
                    {
                        trigger = await _signals.Reader.ReadAsync(timeout.Token);
                        await Task.Delay(Debounce, stopping);
                        _signals.Reader.TryRead(out _);
                    }
                    catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                    {
                        // The poll interval passed without an event.
                    }
                }

                TryWatch();
                var stamp = Stamp();
                if (trigger is null && stamp == _lastSeen) continue;
                _lastSeen = stamp;
                await reloader.ReloadAsync(trigger ?? "poll: the file changed", stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A reload never throws for a bad model; this is something unexpected. Keep watching.
                logger.LogError(e, "Watching the models folder failed; retrying at the next poll");
            }
        }
    }

    /// <summary>Starts the file-system watcher once the folder exists.</summary>
    private void TryWatch()
    {
        if (_watcher is not null || !Directory.Exists(store.Directory)) return;
        try
        {
            var watcher = new FileSystemWatcher(store.Directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            watcher.Created += OnChanged;
            watcher.Changed += OnChanged;
            watcher.Renamed += OnChanged;
            watcher.Error += (_, e) => Signal("file-system watcher overflow");
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            logger.LogWarning("Cannot watch {Directory} for changes ({Reason}); relying on the poll", store.Directory, e.Message);
        }
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        if (string.Equals(e.Name, store.Kind.ModelFileName, StringComparison.Ordinal)
            || (store.Kind.Int8ModelFileName is { } int8 && string.Equals(e.Name, int8, StringComparison.Ordinal)))
            Signal($"{e.Name} {e.ChangeType.ToString().ToLowerInvariant()}");
    }

    private void Signal(string trigger) => _signals.Writer.TryWrite(trigger);

    /// <summary>The classifier files' sizes and time stamps (the kind's int8 graph included), null when the kind's model file is missing.</summary>
    private string? Stamp()
    {
        var file = new FileInfo(Path.Combine(store.Directory, store.Kind.ModelFileName));
        var int8 = store.Kind.Int8ModelFileName is { } name ? new FileInfo(Path.Combine(store.Directory, name)) : null;
        return file.Exists
            ? $"{file.Length}@{file.LastWriteTimeUtc.Ticks}+{(int8 is { Exists: true } ? $"{int8.Length}@{int8.LastWriteTimeUtc.Ticks}" : "-")}"
            : null;
    }

    /// <summary>Stops watching; safe before, after or instead of <see cref="StopAsync"/> (a host may dispose
    /// its services without stopping them, for instance when it failed to start).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0) _stopping.Cancel();
        _watcher?.Dispose();
    }
}
