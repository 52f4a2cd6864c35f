namespace CapsNetService.Inference.Api.Prediction;

/// <summary>
/// Uploaded images → the model's answers: each image through the shared <see cref="DigitImagePreprocessor"/> (the
/// only preprocessing there is), then all of them through the model in one call. An image the preprocessor refuses
/// stops the request with its <see cref="ApiProblem"/> (422); nothing is run for the others. Before any image is
/// decoded, their headers are held to the request's pixel budget (<see cref="UploadLimitsOptions.MaxRequestPixels"/>,
/// 413), and a request cancelled (its client gone) stops before the next image. <see cref="PredictAsync"/>
/// (POST /predict) sends a single image through the <see cref="MicroBatcher"/> when <c>Inference:Batching:Enabled</c>
/// is on, so that it shares one call with other requests' images; preprocessing stays per request.
/// </summary>
public sealed class PredictionPipeline(DigitImagePreprocessor preprocessor, InferenceRunner runner, InferenceMetrics metrics,
                                       MicroBatcher batcher, IOptions<UploadLimitsOptions> limits)
{
    /// <summary>As <see cref="Predict"/> on the serving model; one image goes through the micro-batcher when it is on,
    /// its steps timed into <see cref="PredictionStages"/>.</summary>
    /// <exception cref="ApiProblem">An image is refused.</exception>
    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    /// <exception cref="OperationCanceledException">The request was cancelled before an image or while it waited for its call.</exception>
    public async Task<PredictionOutcome> PredictAsync(IReadOnlyList<ImageUpload> uploads, bool batch, CancellationToken cancellationToken)
    {
        if (uploads.Count != 1) return Predict(uploads, batch, cancellationToken: cancellationToken);
        long started = Stopwatch.GetTimestamp();
        var inputs = Preprocess(uploads, batch, cancellationToken);
        long preprocessed = PredictionStages.Record(PredictionStages.Stage.Preprocess, started);
        if (!batcher.Enabled)
        {
            using var lease = runner.Acquire();
            var inference = runner.Classify([inputs[0].Pixels], lease);
            PredictionStages.Record(PredictionStages.Stage.Inference, inference.Elapsed);
            return new PredictionOutcome([new PredictedImage(uploads[0], inputs[0], inference.Predictions[0])], inference.ModelVersion, inference.Elapsed);
        }
        var answer = await batcher.PredictAsync(inputs[0].Pixels, cancellationToken);
        PredictionStages.Record(PredictionStages.Stage.Queue, Stopwatch.GetElapsedTime(preprocessed) - answer.Elapsed);
        PredictionStages.Record(PredictionStages.Stage.Inference, answer.Elapsed);
        return new PredictionOutcome([new PredictedImage(uploads[0], inputs[0], answer.Prediction)], answer.ModelVersion, answer.Elapsed);
    }

    /// <param name="lease">The model to run on; null: the serving model, leased for this call only.</param>
    /// <param name="cancellationToken">Checked before each image is decoded (the request's RequestAborted).</param>
    /// <exception cref="ApiProblem">An image is refused, or the images are over the pixel budget.</exception>
    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    /// <exception cref="OperationCanceledException">The request was cancelled before an image.</exception>
    public PredictionOutcome Predict(IReadOnlyList<ImageUpload> uploads, bool batch, ModelLease? lease = null,
                                     CancellationToken cancellationToken = default)
    {
        var inputs = Preprocess(uploads, batch, cancellationToken);
        var pixels = inputs.Select(input => input.Pixels).ToArray();
        InferenceRunner.BatchInference inference;
        if (lease is not null)
        {
            inference = runner.Classify(pixels, lease);
        }
        else
        {
            using var own = runner.Acquire();
            inference = runner.Classify(pixels, own);
        }
        var images = new PredictedImage[uploads.Count];
        for (int i = 0; i < images.Length; i++)
            images[i] = new PredictedImage(uploads[i], inputs[i], inference.Predictions[i]);
        return new PredictionOutcome(images, inference.ModelVersion, inference.Elapsed);
    }

    /// <summary>
    /// Images already in the model's form (the Open Inference Protocol's tensors: no preprocessing) through the model
    /// as <see cref="PredictAsync"/> sends uploads: one image through the micro-batcher when it is on, several as one call.
    /// </summary>
    /// <param name="images">Each <see cref="ModelContract.ImagePixels"/> values, checked finite.</param>
    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    /// <exception cref="OperationCanceledException">The request was cancelled while it waited for its call.</exception>
    public async Task<InferenceRunner.BatchInference> ClassifyAsync(IReadOnlyList<float[]> images, CancellationToken cancellationToken)
    {
        if (batcher.Enabled && images.Count == 1)
        {
            var answer = await batcher.PredictAsync(images[0], cancellationToken);
            return new InferenceRunner.BatchInference(answer.ModelVersion, answer.Elapsed, [answer.Prediction]);
        }
        using var lease = runner.Acquire();
        return runner.Classify(images, lease);
    }

    /// <summary>Each upload through the preprocessor; the first refusal stops it. The headers come first: every image
    /// must be readable and within the limits, and all of them within the pixel budget, before any is decoded.</summary>
    /// <param name="frame">The model's frame; null: MNIST's. POST /predict/overlapping asks for MultiMNIST's.</param>
    /// <exception cref="ApiProblem">An image is refused, or the images are over the pixel budget.</exception>
    public PreprocessedDigit[] Preprocess(IReadOnlyList<ImageUpload> uploads, bool batch, CancellationToken cancellationToken,
                                          DigitFrame? frame = null)
    {
        var pixels = new long[uploads.Count];
        long total = 0;
        for (int i = 0; i < uploads.Count; i++)
        {
            pixels[i] = Refusing(uploads, i, batch, upload => preprocessor.DecodedPixels(upload.Bytes));
            total += pixels[i];
        }
        long budget = limits.Value.MaxRequestPixels;
        if (total > budget) throw ApiProblem.PixelBudgetExceeded(total, uploads.Count, budget);

        var inputs = new PreprocessedDigit[uploads.Count];
        for (int i = 0; i < uploads.Count; i++)
        {
            // A client that has gone (or timed out) stops the work here rather than after the last image.
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                inputs[i] = Refusing(uploads, i, batch, upload => preprocessor.Process(upload.Bytes, frame));
            }
            finally
            {
                metrics.RecordDecodedPixels(pixels[i]);
            }
        }
        return inputs;
    }

    /// <summary>Runs <paramref name="step"/> on upload <paramref name="index"/>; a refusal becomes its 422, named and counted.</summary>
    private T Refusing<T>(IReadOnlyList<ImageUpload> uploads, int index, bool batch, Func<ImageUpload, T> step)
    {
        try
        {
            return step(uploads[index]);
        }
        catch (ImageRejectedException e)
        {
            metrics.RecordRejectedImage(e.Reason switch
            {
                ImageRejectionReason.Blank => "blank",
                ImageRejectionReason.TooLarge => "too_large",
                _ => "not_an_image",
            });
            throw ApiProblem.ImageRejected(ApiProblem.Describe(index, uploads[index].FileName, batch), e);
        }
    }
}

/// <summary>The predictions for every uploaded image, in order, with the model that made them and the time of the
/// ONNX Runtime call (for a micro-batched image, the gathered call it ran in).</summary>
public sealed record PredictionOutcome(IReadOnlyList<PredictedImage> Images, string ModelVersion, TimeSpan InferenceTime);

/// <summary>An uploaded image, what the preprocessor made of it, and what the model said.</summary>
public sealed record PredictedImage(ImageUpload Upload, PreprocessedDigit Input, DigitPrediction Prediction);
