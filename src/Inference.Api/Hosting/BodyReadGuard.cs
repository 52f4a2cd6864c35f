namespace CapsNetService.Inference.Api.Hosting;

/// <summary>
/// Bounds what reading one request body (an upload form, a JSON capsule) may hold: at most
/// <see cref="UploadLimitsOptions.MaxConcurrentUploads"/> bodies are read at once (another gets 503 with Retry-After),
/// each must arrive whole within <see cref="UploadLimitsOptions.BodyDeadlineSeconds"/> and may pause at most
/// <see cref="UploadLimitsOptions.BodyIdleSeconds"/> between two pieces; past either, 408 <c>request-timeout</c> and the
/// connection is closed. Kestrel's own minimum data rate is an average over the whole body, so a client that sends
/// most of a body quickly and then stops would otherwise hold its connection, its spooled form and its slot for hours.
/// </summary>
public sealed class BodyReadGuard(IOptions<UploadLimitsOptions> options, InferenceMetrics metrics)
{
    private readonly UploadLimitsOptions _limits = options.Value;
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentUploads, options.Value.MaxConcurrentUploads);

    /// <summary>Runs <paramref name="read"/> (which reads <paramref name="request"/>'s body with the token it is given)
    /// under the limits.</summary>
    /// <exception cref="ApiProblem">No slot is free (503), or the body was too slow (408).</exception>
    public async Task<T> ReadAsync<T>(HttpRequest request, Func<CancellationToken, Task<T>> read)
    {
        var aborted = request.HttpContext.RequestAborted;
        if (!_slots.Wait(0))
        {
            metrics.RecordRefusedBody("busy");
            throw ApiProblem.TooManyUploads(_limits.MaxConcurrentUploads);
        }
        var body = request.Body;
        try
        {
            using var timeouts = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            var deadline = Stopwatch.GetTimestamp() + (long)(_limits.BodyDeadlineSeconds * Stopwatch.Frequency);
            request.Body = new IdleWatchStream(body, timeouts, deadline, TimeSpan.FromSeconds(_limits.BodyIdleSeconds));
            try
            {
                return await read(timeouts.Token);
            }
            catch (Exception e) when (e is not ApiProblem && timeouts.IsCancellationRequested && !aborted.IsCancellationRequested)
            {
                metrics.RecordRefusedBody("timeout");
                // The rest of the body is not worth waiting for: no keep-alive, so Kestrel does not drain it.
                request.HttpContext.Response.Headers.Connection = "close";
                throw ApiProblem.RequestBodyTimeout();
            }
        }
        finally
        {
            request.Body = body;
            _slots.Release();
        }
    }

    /// <summary>The request body, with the timer of <paramref name="timeouts"/> set before each read to the idle limit
    /// or to what is left until the deadline, whichever is sooner.</summary>
    private sealed class IdleWatchStream(Stream inner, CancellationTokenSource timeouts, long deadline, TimeSpan idle) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Arm();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeouts.Token);
            return await inner.ReadAsync(buffer, linked.Token);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        private void Arm()
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero) timeouts.Cancel();
            else timeouts.CancelAfter(left < idle ? left : idle);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
