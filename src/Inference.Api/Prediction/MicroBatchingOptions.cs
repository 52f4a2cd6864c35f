namespace CapsNetService.Inference.Api.Prediction;

/// <summary>
/// Dynamic micro-batching of POST /predict (as Triton's dynamic batcher does): concurrent single-image requests are
/// gathered for up to <see cref="MaxDelayMilliseconds"/> (counted from the first one's arrival) or until
/// <see cref="MaxBatchSize"/> images, and run as one ONNX Runtime call; each request gets its own slice of the
/// outputs. Bound from <c>Inference:Batching</c>, checked at start-up by <see cref="Validator"/>.
/// POST /predict/batch, /explore and /reconstruct do not go through it. See docs/benchmarks.md for the measurements
/// behind the defaults.
/// </summary>
public sealed class MicroBatchingOptions
{
    public const string Section = "Inference:Batching";

    /// <summary>Whether POST /predict gathers concurrent requests into one call (default true: on 2 CPU cores it served
    /// 1.26× the requests/s of one call per request at 16 clients and 1.34× at 64, with lower p50 and p99; see
    /// docs/benchmarks.md). A request alone waits up to <see cref="MaxDelayMilliseconds"/> for company.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Most images in one gathered call (default 32).</summary>
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>How long, in milliseconds, a request may wait for others to join its call, counted from its arrival
    /// (default 2; 0: take only what is already waiting when the model is free).</summary>
    public double MaxDelayMilliseconds { get; set; } = 2;

    /// <summary>Refuses to start with micro-batching options that cannot work, naming the key.</summary>
    public sealed class Validator : IValidateOptions<MicroBatchingOptions>
    {
        public const int LargestBatch = 1024;
        public const double LongestDelayMilliseconds = 1000;

        public ValidateOptionsResult Validate(string? name, MicroBatchingOptions options)
        {
            var failures = new List<string>();
            if (options.MaxBatchSize is < 1 or > LargestBatch)
                failures.Add($"Inference:Batching:MaxBatchSize must be between 1 and {LargestBatch}; got {options.MaxBatchSize}.");
            if (!(options.MaxDelayMilliseconds is >= 0 and <= LongestDelayMilliseconds))
                failures.Add($"Inference:Batching:MaxDelayMilliseconds must be between 0 and {LongestDelayMilliseconds} ms; got {options.MaxDelayMilliseconds}.");
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
