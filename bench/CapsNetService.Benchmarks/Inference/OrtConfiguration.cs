using Microsoft.ML.OnnxRuntime;

namespace CapsNetService.Benchmarks.Inference;

/// <summary>
/// One way of running the graphs under ONNX Runtime on the CPU: the settings the service's
/// <c>OnnxSessionFactory</c> can vary (optimisation level, execution mode, thread counts) and whether idle intra-op
/// threads spin. <see cref="Service"/> is what the service ships with, and is the baseline of the tables.
/// </summary>
public sealed record OrtConfiguration(string Name, string Description, GraphOptimizationLevel Optimization = GraphOptimizationLevel.ORT_ENABLE_ALL,
                                      ExecutionMode Mode = ExecutionMode.ORT_SEQUENTIAL, int IntraOpThreads = 0, int InterOpThreads = 0,
                                      bool AllowSpinning = true)
{
    /// <summary>The settings of src/Inference.Api's OnnxSessionFactory with its default options (Inference:IntraOpThreads = 0).</summary>
    public static readonly OrtConfiguration Service = new("service", "the service's settings: ORT_ENABLE_ALL, sequential, intra-op 0 (ORT's choice), spinning on");

    public static readonly IReadOnlyList<OrtConfiguration> All =
    [
        Service,
        new("intra-1", "intra-op threads 1 (else as the service)", IntraOpThreads: 1),
        new("intra-2", "intra-op threads 2 (else as the service)", IntraOpThreads: 2),
        new("opt-disable", "graph optimisation ORT_DISABLE_ALL", Optimization: GraphOptimizationLevel.ORT_DISABLE_ALL),
        new("opt-basic", "graph optimisation ORT_ENABLE_BASIC", Optimization: GraphOptimizationLevel.ORT_ENABLE_BASIC),
        new("opt-extended", "graph optimisation ORT_ENABLE_EXTENDED", Optimization: GraphOptimizationLevel.ORT_ENABLE_EXTENDED),
        new("parallel", "execution mode ORT_PARALLEL, inter-op threads 2", Mode: ExecutionMode.ORT_PARALLEL, InterOpThreads: 2),
        new("no-spin", "session.intra_op.allow_spinning = 0 (idle intra-op threads sleep at once)", AllowSpinning: false),
        new("intra-1-no-spin", "intra-op threads 1 and no spinning", IntraOpThreads: 1, AllowSpinning: false),
    ];

    public static OrtConfiguration Find(string name) =>
        All.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"unknown configuration '{name}'; known: {string.Join(", ", All.Select(c => c.Name))}");

    public SessionOptions CreateSessionOptions()
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = Optimization,
            ExecutionMode = Mode,
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = InterOpThreads,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (!AllowSpinning)
        {
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        }
        return options;
    }
}
