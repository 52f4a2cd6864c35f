using System.Threading.Channels;

namespace CapsNetService.Inference.Api.Prediction;

/// <summary>
/// Dynamic micro-batching (as Triton's dynamic batcher): single images from concurrent requests wait in a queue; one
/// dispatcher takes the first, waits up to <see cref="MicroBatchingOptions.MaxDelayMilliseconds"/> from its arrival
/// for others (or until <see cref="MicroBatchingOptions.MaxBatchSize"/>), and runs them through
/// <see cref="InferenceRunner"/> as one ONNX Runtime call on one model lease, taken from that runner (a model swapped in meanwhile serves the
/// next call; the batch size histogram counts the gathered call). While a call runs, new requests queue up and form
/// the next call, so under load the delay is rarely waited out.
/// <para>Each request gets its own slice of the outputs. A request cancelled while it waits is dropped from its call
/// (it gets an <see cref="OperationCanceledException"/>, the others are unaffected). A call that fails is retried
/// image by image, so that an error caused by one image reaches only that request. No model: every request of the
/// call gets <see cref="ModelUnavailableException"/>.</para>
/// </summary>
public sealed class MicroBatcher : IAsyncDisposable, IDisposable
{
    /// <summary>One request's answer from a gathered call.</summary>
    /// <param name="Prediction">This request's slice of the outputs.</param>
    /// <param name="ModelVersion">The model the whole call ran on.</param>
    /// <param name="Elapsed">The duration of the one ONNX Runtime call (shared by every request in it).</param>
    /// <param name="ImagesInCall">How many requests' images the call held.</param>
    public sealed record BatchedPrediction(DigitPrediction Prediction, string ModelVersion, TimeSpan Elapsed, int ImagesInCall);

    private sealed class Waiting(float[] pixels, long arrivedAt)
    {
        public float[] Pixels { get; } = pixels;
        public long ArrivedAt { get; } = arrivedAt;
        public TaskCompletionSource<BatchedPrediction> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration Cancellation { get; set; }
        public bool IsAnswered => Answer.Task.IsCompleted;
    }

    private readonly MicroBatchingOptions _options;
    private readonly InferenceRunner _runner;
    private readonly ILogger<MicroBatcher> _logger;
    private readonly Channel<Waiting> _queue = Channel.CreateUnbounded<Waiting>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationToken _stoppingToken;   // taken once: the source is disposed at shutdown
    private readonly TimeSpan _maxDelay;
    private readonly Lock _startLock = new();
    private Task? _dispatcher;
    private int _disposed;

    public MicroBatcher(IOptions<MicroBatchingOptions> options, InferenceRunner runner, ILogger<MicroBatcher> logger)
    {
        _options = options.Value;
        _runner = runner;
        _logger = logger;
        _maxDelay = TimeSpan.FromMilliseconds(_options.MaxDelayMilliseconds);
        _stoppingToken = _stopping.Token;
    }

    /// <summary>Whether POST /predict goes through this batcher (<c>Inference:Batching:Enabled</c>).</summary>
    public bool Enabled => _options.Enabled;

    public int MaxBatchSize => _options.MaxBatchSize;

    /// <summary>Queues one preprocessed image for the next gathered call and returns its answer.</summary>
    /// <param name="pixels"><see cref="ModelContract.ImagePixels"/> values, white digit on black, in [0, 1].</param>
    /// <param name="cancellationToken">Cancels this request only: its slot is dropped if its call has not started.</param>
    /// <exception cref="ModelUnavailableException">No model is loaded when the call runs.</exception>
    /// <exception cref="OperationCanceledException">The request was cancelled before its answer came.</exception>
    public Task<BatchedPrediction> PredictAsync(float[] pixels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        // Checked here, so that an image of the wrong size never joins (and never fails) a call of others.
        if (pixels.Length != ModelContract.ImagePixels)
            throw new ArgumentException($"an image has {pixels.Length} values, not {ModelContract.ImagePixels}", nameof(pixels));
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<BatchedPrediction>(cancellationToken);
        if (Volatile.Read(ref _disposed) == 1) throw new ModelUnavailableException();   // shutting down
        EnsureStarted();

        var waiting = new Waiting(pixels, Stopwatch.GetTimestamp());
        if (cancellationToken.CanBeCanceled)
            waiting.Cancellation = cancellationToken.Register(static state =>
            {
                var (w, token) = ((Waiting, CancellationToken))state!;
                w.Answer.TrySetCanceled(token);
            }, (waiting, cancellationToken));
        if (!_queue.Writer.TryWrite(waiting))
        {
            waiting.Cancellation.Dispose();
            throw new ModelUnavailableException();   // shutting down
        }
        return waiting.Answer.Task;
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _dispatcher) is not null) return;
        lock (_startLock)
        {
            // Shutting down (the token source may be disposed): the queue is completed, TryWrite refuses the request.
            if (Volatile.Read(ref _disposed) == 1) return;
            _dispatcher ??= Task.Run(() => DispatchAsync(_stoppingToken));
        }
    }

    private async Task DispatchAsync(CancellationToken stopping)
    {
        var reader = _queue.Reader;
        var call = new List<Waiting>(_options.MaxBatchSize);
        try
        {
            while (await reader.WaitToReadAsync(stopping))
            {
                call.Clear();
                try
                {
                    await GatherAsync(reader, call, stopping);
                    Run(call);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    // Run answers every request itself; anything else here is a bug. Answer this call, keep serving.
                    _logger.LogError(e, "The micro-batching dispatcher failed to gather a call of {Count} images", call.Count);
                    foreach (var waiting in call) waiting.Answer.TrySetException(e);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            // Shutting down: whatever still waits gets "no model" (503), never a hang.
            foreach (var waiting in call) waiting.Answer.TrySetException(new ModelUnavailableException());
            while (reader.TryRead(out var left)) left.Answer.TrySetException(new ModelUnavailableException());
        }
    }

    /// <summary>Takes what waits, then waits for more up to the delay counted from the first one's arrival (already
    /// over when it queued behind a running call) or until the call is full.</summary>
    private async Task GatherAsync(ChannelReader<Waiting> reader, List<Waiting> call, CancellationToken stopping)
    {
        TakeWaiting(reader, call);
        while (call.Count is > 0 && call.Count < _options.MaxBatchSize)
        {
            var remaining = _maxDelay - Stopwatch.GetElapsedTime(call[0].ArrivedAt);
            if (remaining <= TimeSpan.Zero) return;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(remaining);
            try
            {
                if (!await reader.WaitToReadAsync(timeout.Token)) return;
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                return;   // the delay is over
            }
            TakeWaiting(reader, call);
        }
    }

    /// <summary>Moves what is queued into the call, up to its size, skipping requests cancelled while they waited.</summary>
    private void TakeWaiting(ChannelReader<Waiting> reader, List<Waiting> call)
    {
        while (call.Count < _options.MaxBatchSize && reader.TryRead(out var waiting))
        {
            if (waiting.IsAnswered) waiting.Cancellation.Dispose();
            else call.Add(waiting);
        }
    }

    private void Run(List<Waiting> call)
    {
        // Requests cancelled during the delay leave before the call starts.
        call.RemoveAll(w =>
        {
            if (!w.IsAnswered) return false;
            w.Cancellation.Dispose();
            return true;
        });
        if (call.Count == 0) return;
        try
        {
            using var lease = _runner.Acquire();   // no model: the catch below answers every request with it
            try
            {
                var inference = _runner.Classify(call.Select(w => w.Pixels).ToArray(), lease);
                for (int i = 0; i < call.Count; i++)
                    call[i].Answer.TrySetResult(new BatchedPrediction(inference.Predictions[i], inference.ModelVersion, inference.Elapsed, call.Count));
            }
            catch (Exception e) when (call.Count > 1)
            {
                // One image must not fail the others: each alone, on the same model, so only the one at fault fails.
                _logger.LogWarning(e, "A gathered call of {Count} images failed; running them one by one", call.Count);
                foreach (var waiting in call)
                {
                    if (waiting.IsAnswered) continue;
                    try
                    {
                        var single = _runner.Classify([waiting.Pixels], lease);
                        waiting.Answer.TrySetResult(new BatchedPrediction(single.Predictions[0], single.ModelVersion, single.Elapsed, 1));
                    }
                    catch (Exception alone)
                    {
                        waiting.Answer.TrySetException(alone);
                    }
                }
            }
        }
        catch (Exception e)
        {
            foreach (var waiting in call) waiting.Answer.TrySetException(e);
        }
        finally
        {
            foreach (var waiting in call) waiting.Cancellation.Dispose();
        }
    }

    /// <summary>For a container disposed synchronously: the dispatcher stops within one call.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        if (_dispatcher is { } dispatcher)
        {
            try
            {
                await dispatcher;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Logged by the dispatcher.
            }
        }
        _stopping.Dispose();
    }
}
