using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// Creates ONNX Runtime sessions on the execution provider chosen by <c>Inference:Provider</c>:
/// <c>cpu</c> never tries CUDA; <c>cuda</c> refuses to load a model it cannot put on the GPU; <c>auto</c> tries CUDA
/// and falls back to the CPU with a log line saying why. When the CUDA provider itself cannot be initialised
/// (its libraries are missing, no driver), <c>auto</c> remembers that and does not try again for later models.
/// <para>Usable without the service's host, e.g. from a console that checks a GPU:
/// <c>new OnnxSessionFactory(ExecutionProviderPreference.Cuda).Create("models/capsnet.onnx")</c> returns the session
/// and the provider it runs on (or throws <see cref="ModelRejectedException"/> saying why CUDA cannot be used).</para>
/// </summary>
public sealed class OnnxSessionFactory
{
    public const string CudaProvider = "CUDAExecutionProvider";
    public const string CpuProvider = "CPUExecutionProvider";

    private const int MaxReasonLength = 400;

    private readonly InferenceOptions _options;
    private readonly ILogger _logger;

    /// <summary>The service's factory, on its <c>Inference</c> options.</summary>
    public OnnxSessionFactory(IOptions<InferenceOptions> options, ILogger<OnnxSessionFactory> logger)
    {
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>A factory for a tool: the provider preference and the CUDA device; every other session setting as the
    /// service's defaults.</summary>
    public OnnxSessionFactory(ExecutionProviderPreference preference, int cudaDeviceId = 0, ILogger? logger = null)
    {
        _options = new InferenceOptions { Provider = preference.ToString().ToLowerInvariant(), CudaDeviceId = cudaDeviceId };
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <summary>An ONNX Runtime session and the execution provider it was created for.</summary>
    /// <param name="FallbackReason">Why CUDA is not in use although it was allowed (<c>auto</c>); null otherwise.</param>
    public sealed record CreatedSession(InferenceSession Session, string ExecutionProvider, string? FallbackReason);
    // Whether the CUDA provider can be initialised is a fact about this process (its libraries and driver).
    private static string? _cudaUnavailable;

    /// <summary>A session for the ONNX file at <paramref name="modelPath"/>.</summary>
    /// <exception cref="ModelRejectedException">The file cannot be read, or does not load on the chosen provider.</exception>
    public CreatedSession Create(string modelPath)
    {
        var file = ModelFile.Read(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, Path.GetFileName(modelPath));
        return Create(file.Bytes, file.Name);
    }

    /// <param name="model">The ONNX file's bytes.</param>
    /// <param name="fileName">For messages only.</param>
    /// <exception cref="ModelRejectedException">The model does not load on the chosen provider.</exception>
    public CreatedSession Create(byte[] model, string fileName)
    {
        var preference = _options.ProviderPreference;
        if (preference == ExecutionProviderPreference.Cpu)
            return new CreatedSession(CreateCpuSession(model, fileName), CpuProvider, null);

        if (preference == ExecutionProviderPreference.Auto && Volatile.Read(ref _cudaUnavailable) is { } knownReason)
            return new CreatedSession(CreateCpuSession(model, fileName), CpuProvider, knownReason);

        string reason;
        var cudaOptions = NewSessionOptions();
        // `cuda` means every node on the GPU: ONNX Runtime would otherwise quietly run nodes the CUDA provider lacks on
        // the CPU. (The CapsNet graphs have none: capsnet-provider-check loads them this way on an H200.)
        if (preference == ExecutionProviderPreference.Cuda) cudaOptions.AddSessionConfigEntry("session.disable_cpu_ep_fallback", "1");
        try
        {
            try
            {
                cudaOptions.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
            }
            catch (Exception e) when (IsNativeFailure(e))
            {
                reason = Describe(e) + " (the CUDA provider needs an NVIDIA driver and the CUDA 13 libraries: cudart, cuBLAS, cuRAND, cuDNN 9)";
                if (preference == ExecutionProviderPreference.Cuda)
                    throw new ModelRejectedException(
                        $"the CUDA execution provider was requested (Inference:Provider=cuda) but cannot be used: {reason}", e);
                Volatile.Write(ref _cudaUnavailable, reason);
                _logger.LogWarning("CUDA execution provider unavailable, running {File} on the CPU instead: {Reason}", fileName, reason);
                return new CreatedSession(CreateCpuSession(model, fileName), CpuProvider, reason);
            }

            try
            {
                return new CreatedSession(new InferenceSession(model, cudaOptions), CudaProvider, null);
            }
            catch (Exception e) when (IsNativeFailure(e))
            {
                if (preference == ExecutionProviderPreference.Cuda)
                    throw new ModelRejectedException($"{fileName} does not load on the CUDA execution provider: {Describe(e)}", e);
                reason = Describe(e);
            }
        }
        finally
        {
            cudaOptions.Dispose();
        }

        // A file that does not load on the CPU either is broken; that error is the one reported.
        var cpuSession = CreateCpuSession(model, fileName);
        _logger.LogWarning("{File} does not load on the CUDA execution provider, running it on the CPU instead: {Reason}", fileName, reason);
        return new CreatedSession(cpuSession, CpuProvider, reason);
    }

    /// <summary>A session on the CPU provider whatever the preference (the int8 graph: its integer kernels are the CPU provider's).</summary>
    /// <exception cref="ModelRejectedException">The model does not load.</exception>
    public CreatedSession CreateOnCpu(byte[] model, string fileName) => new(CreateCpuSession(model, fileName), CpuProvider, null);

    private InferenceSession CreateCpuSession(byte[] model, string fileName)
    {
        using var sessionOptions = NewSessionOptions();
        try
        {
            return new InferenceSession(model, sessionOptions);
        }
        catch (Exception e) when (IsNativeFailure(e))
        {
            throw new ModelRejectedException($"{fileName} is not a model ONNX Runtime can load: {Describe(e)}", e);
        }
    }

    private SessionOptions NewSessionOptions()
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = _options.IntraOpThreads,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (!_options.AllowSpinning) sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return sessionOptions;
    }

    private static bool IsNativeFailure(Exception e) =>
        e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException;

    /// <summary>The first line of ONNX Runtime's message, short enough for a log line and for GET /model.</summary>
    private static string Describe(Exception e)
    {
        var message = e.Message.ReplaceLineEndings(" ").Trim();
        return message.Length <= MaxReasonLength ? message : message[..MaxReasonLength] + "…";
    }
}
