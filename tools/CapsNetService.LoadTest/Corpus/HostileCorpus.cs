using System.Text;
using CapsNetService.LoadTest.Http;
using CapsNetService.LoadTest.Images;
using CapsNetService.Tests;
using SkiaSharp;

namespace CapsNetService.LoadTest.Corpus;

/// <summary>The service limits the corpus is written against (the service's defaults unless told otherwise).</summary>
public sealed record ServiceLimits(long MaxRequestBytes = 32L * 1024 * 1024, int MaxBatchImages = 64, int MaxImageSide = 4096,
                                   long MaxRequestPixels = 64L * 1024 * 1024);

/// <summary>
/// Generates the hostile-upload corpus from a seed: the same seed and count give the same requests, byte for byte.
/// Every category of bad upload the service must refuse is here, built from real MNIST digits where an image is
/// involved; see <see cref="Categories"/> for the families and their shares of the corpus.
/// </summary>
public sealed class HostileCorpus
{
    private const string Predict = "/predict";
    private const string Batch = "/predict/batch";

    private static readonly int[] NotAnImage = [422];
    private static readonly int[] BadRequest = [400];
    private static readonly int[] Unsupported = [415];
    private static readonly int[] TooLarge = [413];

    private readonly Random _rng;
    private readonly MnistDigits _digits;
    private readonly ServiceLimits _limits;

    private HostileCorpus(int seed, MnistDigits digits, ServiceLimits limits)
    {
        _rng = new Random(seed);
        _digits = digits;
        _limits = limits;
    }

    /// <summary>The families of bad requests, their weight in the corpus and the fewest of each in any slice.</summary>
    public static readonly (string Name, int Weight, int Minimum)[] Categories =
    [
        ("truncated-image", 14, 1),
        ("bit-flipped-image", 14, 1),
        ("empty-file", 3, 1),
        ("not-an-image", 9, 1),
        ("blank-image", 2, 1),
        ("huge-dimensions", 7, 1),
        ("chunk-bomb", 2, 1),
        ("pixel-budget", 2, 1),
        ("huge-body", 1, 2),
        ("missing-field", 8, 1),
        ("duplicate-field", 6, 1),
        ("wrong-content-type", 10, 1),
        ("json-body", 5, 1),
        ("malformed-multipart", 8, 1),
        ("slow-sender", 3, 2),
        ("wrong-request", 4, 1),
        ("batch-abuse", 3, 1),
        ("protocol-level", 1, 1),
    ];

    /// <summary>About <paramref name="count"/> bad requests (each family gets its share, at least its minimum), shuffled.</summary>
    public static IReadOnlyList<HostileCase> Generate(int seed, int count, MnistDigits digits, ServiceLimits? limits = null)
    {
        var corpus = new HostileCorpus(seed, digits, limits ?? new ServiceLimits());
        int totalWeight = Categories.Sum(c => c.Weight);
        var cases = new List<HostileCase>();
        foreach (var (name, weight, minimum) in Categories)
        {
            int n = Math.Max(minimum, (int)Math.Round((double)count * weight / totalWeight));
            for (int i = 0; i < n; i++) cases.Add(corpus.Make(name, i));
        }
        var shuffled = cases.ToArray();
        corpus._rng.Shuffle(shuffled);
        return shuffled.Select((c, i) => c with { Id = i }).ToList();
    }

    private HostileCase Make(string category, int i) => category switch
    {
        "truncated-image" => TruncatedImage(i),
        "bit-flipped-image" => BitFlippedImage(),
        "empty-file" => EmptyFile(i),
        "not-an-image" => NotAnImageFile(i),
        "blank-image" => BlankImage(i),
        "huge-dimensions" => HugeDimensions(i),
        "chunk-bomb" => ChunkBomb(i),
        "pixel-budget" => PixelBudget(i),
        "huge-body" => HugeBody(i),
        "missing-field" => MissingField(i),
        "duplicate-field" => DuplicateField(i),
        "wrong-content-type" => WrongContentType(i),
        "json-body" => JsonBody(i),
        "malformed-multipart" => MalformedMultipart(i),
        "slow-sender" => SlowSender(i),
        "wrong-request" => WrongRequest(i),
        "batch-abuse" => BatchAbuse(i),
        "protocol-level" => ProtocolLevel(i),
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, "unknown corpus category"),
    };

    // ---------------------------------------------------------------- damaged images

    private HostileCase TruncatedImage(int i)
    {
        var (bytes, kind) = RealImage();
        // Keep the signature's first byte at least; never keep the whole image data (PNG: lose IEND, the last CRC,
        // the zlib checksum and some compressed data, since losing only the first three still decodes; JPEG: lose the end marker).
        int cut = _rng.Next(1, bytes.Length - (kind == "jpeg" ? 2 : 32));
        var truncated = bytes[..cut];
        if (i % 5 == 4)
        {
            var (request, position) = BatchWith(truncated, $"cut.{Extension(kind)}", MimeOf(kind));
            return Case("truncated-image", $"{kind} cut to {cut} of {bytes.Length} bytes, image {position + 1} of a batch",
                        request, NotAnImage, $"Image {position + 1}");
        }
        return Case("truncated-image", $"{kind} cut to {cut} of {bytes.Length} bytes",
                    Upload(truncated, $"cut.{Extension(kind)}", MimeOf(kind)), NotAnImage);
    }

    private HostileCase BitFlippedImage()
    {
        var (bytes, kind) = RealImage();
        var flipped = (byte[])bytes.Clone();
        int flips = _rng.Next(1, 9);
        var where = new List<int>();
        for (int f = 0; f < flips; f++)
        {
            // A third of the flips land in the headers (signature, IHDR, JPEG markers), the rest anywhere.
            int at = _rng.Next(3) == 0 ? _rng.Next(Math.Min(64, flipped.Length)) : _rng.Next(flipped.Length);
            flipped[at] ^= (byte)(1 << _rng.Next(8));
            where.Add(at);
        }
        // A flipped bit in pixel data can leave a readable image: 200 is then right too. A 5xx never is.
        return Case("bit-flipped-image", $"{kind} of {bytes.Length} bytes with {flips} bit(s) flipped at {string.Join(",", where)}",
                    Upload(flipped, $"flipped.{Extension(kind)}", MimeOf(kind)), [200, 422]);
    }

    private HostileCase EmptyFile(int i) => (i % 6) switch
    {
        0 => Case("empty-file", "0-byte image/png file", Upload([], "empty.png", "image/png"), BadRequest, "empty"),
        1 => Case("empty-file", "0-byte file without a type", Upload([], "empty.png", null), BadRequest, "empty"),
        2 => BatchCase("empty-file", "0-byte file in a batch", [], "empty.png", "image/png", BadRequest, "empty"),
        3 => Case("empty-file", "multipart Content-Type, 0-byte body",
                  new RawRequest { Method = "POST", Target = Predict }.WithHeader("Content-Type", "multipart/form-data; boundary=x"), BadRequest),
        4 => Case("empty-file", "no Content-Type, no body", new RawRequest { Method = "POST", Target = Predict }, Unsupported),
        _ => Case("empty-file", "0-byte file with an empty file name",
                  Form(new MultipartBody().File("image", "", "image/png", [])), BadRequest),
    };

    private HostileCase NotAnImageFile(int i)
    {
        string[] kinds = ["random", "text", "html", "json", "svg", "elf", "pdf", "zip", "gif", "bmp", "webp", "png-garbage", "jpeg-garbage", "png-then-text"];
        var kind = kinds[i % kinds.Length];
        byte[] bytes = kind switch
        {
            "random" => RandomBytes(_rng.Next(1, 4096)),
            "text" => Encoding.UTF8.GetBytes("A seven, honestly. " + new string('7', _rng.Next(1, 500))),
            "html" => "<!doctype html><html><body><img src=x onerror=alert(1)><script>alert(document.cookie)</script></body></html>"u8.ToArray(),
            "json" => "{\"image\":\"iVBORw0KGgo=\",\"digit\":7}"u8.ToArray(),
            "svg" => "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"28\" height=\"28\"><text y=\"20\">7</text></svg>"u8.ToArray(),
            "elf" => [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, .. RandomBytes(_rng.Next(64, 2048))],
            "pdf" => Encoding.ASCII.GetBytes("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
            "zip" => [(byte)'P', (byte)'K', 3, 4, .. RandomBytes(_rng.Next(30, 1024))],
            "gif" => Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"),
            "bmp" => TinyBmp(),
            "webp" => _digits.Webp(_rng.Next(_digits.Count)),
            "png-garbage" => [.. PngForge.Signature, .. RandomBytes(_rng.Next(1, 2048))],
            "jpeg-garbage" => [0xFF, 0xD8, 0xFF, .. RandomBytes(_rng.Next(1, 2048))],
            _ => [.. PngForge.Signature, .. Encoding.ASCII.GetBytes("This is a text file pretending to be a PNG.\n")],
        };
        string?[] declared = ["image/png", null, "application/octet-stream"];
        return Case("not-an-image", $"{kind} ({bytes.Length} bytes) named .png",
                    Upload(bytes, i % 7 == 3 ? "seven.PNG" : "digit.png", declared[i % declared.Length]), NotAnImage);
    }

    private HostileCase BlankImage(int i) => (i % 3) switch
    {
        0 => Case("blank-image", "white 200×200 PNG", Upload(MnistDigits.Blank(200, 255), "white.png", "image/png"), NotAnImage, "No digit"),
        1 => Case("blank-image", "black 28×28 PNG (MNIST-like, no ink)", Upload(MnistDigits.Blank(28, 0), "black.png", "image/png"), NotAnImage, "No digit"),
        _ => Case("blank-image", "grey 64×64 PNG", Upload(MnistDigits.Blank(64, 128), "grey.png", "image/png"), NotAnImage, "No digit"),
    };

    private HostileCase HugeDimensions(int i)
    {
        uint side = (uint)_limits.MaxImageSide;
        (string Name, byte[] Bytes, string? Mention)[] variants =
        [
            ("PNG header claiming 50,000×50,000 grey", PngForge.ClaimedSize(50_000, 50_000), "50000"),
            ("PNG header claiming 50,000×50,000 RGBA 16-bit", PngForge.ClaimedSize(50_000, 50_000, colourType: 6, bitDepth: 16), "50000"),
            ("PNG header claiming 50,000×50,000 palette", PngForge.ClaimedSize(50_000, 50_000, colourType: 3), "50000"),
            ("PNG header claiming 50,000×28", PngForge.ClaimedSize(50_000, 28), "50000"),
            ("PNG header claiming 28×50,000", PngForge.ClaimedSize(28, 50_000), "50000"),
            ("PNG header claiming 65,535×65,535 RGB", PngForge.ClaimedSize(65_535, 65_535, colourType: 2), null),
            ($"PNG header one pixel over the side limit ({side + 1}×{side + 1})", PngForge.ClaimedSize(side + 1, side + 1), null),
            ("PNG header claiming 2^31-1 × 1", PngForge.ClaimedSize(int.MaxValue, 1), null),
            ("PNG header claiming 0×0", PngForge.ClaimedSize(0, 0), null),
            ("JPEG header claiming 50,000×50,000", PngForge.JpegClaimedSize(50_000, 50_000), "50000"),
            ("JPEG header claiming 65,535×65,535", PngForge.JpegClaimedSize(65_535, 65_535), null),
            // At the limit: the header passes, the decoder allocates the pixels, the data ends at once.
            ($"PNG header at the limit ({side}×{side}) over a few bytes of data", PngForge.ClaimedSize(side, side, colourType: 6), null),
        ];
        var (name, bytes, mention) = variants[i % variants.Length];
        bool batch = i % 9 == 8;
        if (batch)
        {
            var (request, position) = BatchWith(bytes, "huge.png", "image/png");
            return Case("huge-dimensions", name + $", image {position + 1} of a batch", request, NotAnImage, $"Image {position + 1}");
        }
        return Case("huge-dimensions", name, Upload(bytes, "huge.png", "image/png"), NotAnImage, mention);
    }

    private HostileCase ChunkBomb(int i)
    {
        var png = _digits.Png(_rng.Next(_digits.Count));
        // The image itself is a real digit. Compressed chunks are cheap to skip: reading the digit or refusing it are
        // both right. Large chunks of any kind (the first found by this corpus: libpng buffers them at a cost in the
        // square of their size, 47 s for 30 MiB) must be refused at once.
        (string Name, byte[] Bytes, int[] Expected) variant = (i % 7) switch
        {
            0 => ("zTXt chunk inflating to 64 MiB", PngForge.InsertAfterHeader(png, [PngForge.CompressedText(64L << 20)]), [200, 422]),
            1 => ("iCCP profile inflating to 64 MiB", PngForge.InsertAfterHeader(png, [PngForge.CompressedProfile(64L << 20)]), [200, 422]),
            2 => ("iTXt chunk inflating to 64 MiB", PngForge.InsertAfterHeader(png, [PngForge.CompressedInternationalText(64L << 20)]), [200, 422]),
            3 => ("20,000 small tEXt chunks", PngForge.InsertAfterHeader(png,
                     Enumerable.Range(0, 20_000).Select(n => ("tEXt", Encoding.Latin1.GetBytes($"k{n}\0v")))), [200, 422]),
            4 => ("8 MiB uncompressed tEXt chunk", PngForge.InsertAfterHeader(png, [("tEXt", [.. "Comment"u8, 0, .. new byte[8 << 20]])]), NotAnImage),
            5 => ("three zTXt chunks inflating to 256 MiB each", PngForge.InsertAfterHeader(png,
                     [PngForge.CompressedText(256L << 20), PngForge.CompressedText(256L << 20), PngForge.CompressedText(256L << 20)]), [200, 422]),
            _ => ("30 MiB unknown ancillary chunk", PngForge.InsertAfterHeader(png, [("zzZz", new byte[30 << 20])]), NotAnImage),
        };
        return Case("chunk-bomb", $"{variant.Name} in a real 28×28 PNG ({variant.Bytes.Length:N0} bytes)",
                    Upload(variant.Bytes, "bomb.png", "image/png"), variant.Expected,
                    variant.Expected.Length == 1 ? "besides its pixels" : null);
    }

    /// <summary>Images each within the per-image limits whose pixels together are over the request's budget: a few
    /// kilobytes of PNG decode to megapixels (64 of 4096×4096 took a core for 75 s), so the budget is checked from the
    /// headers and the request refused before any image is decoded.</summary>
    private HostileCase PixelBudget(int i)
    {
        long budget = _limits.MaxRequestPixels;
        uint side = (uint)_limits.MaxImageSide;
        (string Name, byte[] Bytes, long Pixels) image = (i % 3) switch
        {
            0 => ($"PNG headers at the side limit ({side}×{side}) over a few bytes of data", PngForge.ClaimedSize(side, side, colourType: 6), (long)side * side),
            1 => ("PNG headers of 1100×1100 over a few bytes of data", PngForge.ClaimedSize(1100, 1100), 1100L * 1100),
            _ => ("real 2048×2048 PNG drawings", _digits.Drawing(_rng.Next(_digits.Count), 2048, SKEncodedImageFormat.Png), 2048L * 2048),
        };
        int count = (int)Math.Min(_limits.MaxBatchImages, budget / image.Pixels + 1);
        var form = new MultipartBody();
        for (int f = 0; f < count; f++) form.File("images", $"{f}.png", "image/png", image.Bytes);
        return Case("pixel-budget", $"{count} {image.Name} ({count * image.Pixels:N0} pixels, budget {budget:N0})",
                    Form(form, Batch), TooLarge, "pixels");
    }

    // ---------------------------------------------------------------- oversized bodies

    private HostileCase HugeBody(int i)
    {
        long over = _limits.MaxRequestBytes + (1 << 20);
        var block = new byte[64 * 1024];
        long blocks = over / block.Length;
        var form = new MultipartBody();
        var prefix = form.OpenFile("image", "huge.png", "image/png");
        BodySegment[] body = [prefix, _digits.Png(_rng.Next(_digits.Count)), new BodySegment(block, blocks), form.Closing()];
        var contentType = form.ContentType;
        return (i % 6) switch
        {
            0 => Case("huge-body", $"{over:N0}-byte file, Content-Length declared",
                      new RawRequest { Method = "POST", Target = Predict, Body = body }.WithHeader("Content-Type", contentType), TooLarge),
            1 => Case("huge-body", $"{over:N0}-byte file, chunked",
                      new RawRequest { Method = "POST", Target = Predict, Body = body, Chunked = true }.WithHeader("Content-Type", contentType), TooLarge),
            2 => Case("huge-body", "Content-Length of 10 GB, 1 MiB sent, then silence",
                      new RawRequest { Method = "POST", Target = Predict, Body = body, DeclaredLength = 10_000_000_000, StallAfterBytes = 1 << 20 }
                          .WithHeader("Content-Type", contentType), TooLarge),
            3 => Case("huge-body", "Expect: 100-continue with a 40 MB Content-Length, body held back",
                      new RawRequest { Method = "POST", Target = Predict, Body = body, DeclaredLength = 40_000_000, StallAfterBytes = 0 }
                          .WithHeader("Content-Type", contentType).WithHeader("Expect", "100-continue"), TooLarge),
            4 => HugeBatch(),
            _ => Case("huge-body", $"{over:N0}-byte JSON body",
                      new RawRequest { Method = "POST", Target = Predict, Body = [new BodySegment(block, blocks)] }
                          .WithHeader("Content-Type", "application/json"), Unsupported),
        };
    }

    private HostileCase HugeBatch()
    {
        var form = new MultipartBody();
        var filler = new byte[1 << 20];
        int files = (int)(_limits.MaxRequestBytes / filler.Length) + 8;
        var segments = new List<BodySegment>();
        for (int f = 0; f < Math.Min(files, _limits.MaxBatchImages); f++)
        {
            var part = new MultipartBody(form.Boundary);
            segments.Add(part.OpenFile("images", $"{f}.png", "image/png"));
            segments.Add(new BodySegment(filler));
            segments.Add("\r\n"u8.ToArray());
        }
        segments.Add(Encoding.ASCII.GetBytes($"--{form.Boundary}--\r\n"));
        return Case("huge-body", $"batch of {Math.Min(files, _limits.MaxBatchImages)} files of 1 MiB, chunked",
                    new RawRequest { Method = "POST", Target = Batch, Body = segments, Chunked = true }.WithHeader("Content-Type", form.ContentType),
                    TooLarge);
    }

    // ---------------------------------------------------------------- forms with the wrong fields

    private HostileCase MissingField(int i)
    {
        var png = _digits.Png(_rng.Next(_digits.Count));
        string[] otherNames = ["file", "upload", "img", "picture", "images", "Image ", "data"];
        return (i % 8) switch
        {
            0 or 1 => Case("missing-field", "the PNG under another field name",
                           Form(new MultipartBody().File(otherNames[_rng.Next(otherNames.Length)], "digit.png", "image/png", png)), BadRequest, "no image"),
            2 => Case("missing-field", "'image' sent as a text field (base64)",
                      Form(new MultipartBody().Text("image", Convert.ToBase64String(png))), BadRequest, "text"),
            3 => Case("missing-field", "only text fields", Form(new MultipartBody().Text("digit", "7").Text("note", "hello")), BadRequest),
            4 => Case("missing-field", "a form with no parts at all", Form(new MultipartBody()), BadRequest),
            5 => Case("missing-field", "batch with the files under 'file'",
                      Form(new MultipartBody().File("file", "a.png", "image/png", png).File("file", "b.png", "image/png", png), Batch), BadRequest),
            6 => Case("missing-field", "a file part with an empty field name", Form(new MultipartBody().File("", "digit.png", "image/png", png)), BadRequest),
            _ => Case("missing-field", "a file part without a field name",
                      Form(new MultipartBody().Part(["Content-Disposition: form-data; filename=\"digit.png\"", "Content-Type: image/png"], png)),
                      BadRequest),
        };
    }

    private HostileCase DuplicateField(int i)
    {
        var png = _digits.Png(_rng.Next(_digits.Count));
        switch (i % 7)
        {
            case 0:
            case 1:
            {
                int n = _rng.Next(2, 6);
                var form = new MultipartBody();
                for (int f = 0; f < n; f++) form.File("image", $"{f}.png", "image/png", _digits.Png(_rng.Next(_digits.Count)));
                return Case("duplicate-field", $"{n} 'image' files to /predict", Form(form), BadRequest, "one image");
            }
            case 2:
            {
                int n = _limits.MaxBatchImages + _rng.Next(1, 10);
                var form = new MultipartBody();
                for (int f = 0; f < n; f++) form.File("images", $"{f}.png", "image/png", png);
                return Case("duplicate-field", $"{n} images to /predict/batch (limit {_limits.MaxBatchImages})", Form(form, Batch), BadRequest,
                            $"{n} images");
            }
            case 3:
            {
                var form = new MultipartBody();
                int n = 1100 + _rng.Next(2000);
                for (int f = 0; f < n; f++) form.Text("image", "x");
                form.File("image", "digit.png", "image/png", png);
                return Case("duplicate-field", $"{n} text fields named 'image' and one file", Form(form), BadRequest);
            }
            case 4:
                return Case("duplicate-field", "a part with two Content-Disposition headers",
                            Form(new MultipartBody().Part(
                                ["Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"",
                                 "Content-Disposition: form-data; name=\"other\"; filename=\"b.png\"", "Content-Type: image/png"], png)),
                            BadRequest);
            case 5:
            {
                var form = new MultipartBody().File("image", "digit.png", "image/png", png);
                return Case("duplicate-field", "two Content-Type headers (multipart and text/plain)",
                            Form(form).WithHeader("Content-Type", "text/plain"), [400, 415]);
            }
            default:
                return Case("duplicate-field", "the same file twice under 'image'",
                            Form(new MultipartBody().File("image", "a.png", "image/png", png).File("image", "a.png", "image/png", png)),
                            BadRequest, "one image");
        }
    }

    // ---------------------------------------------------------------- bodies of the wrong type

    private HostileCase WrongContentType(int i)
    {
        var png = _digits.Png(_rng.Next(_digits.Count));
        var form = new MultipartBody().File("image", "digit.png", "image/png", png);
        RawRequest WithType(string? type, byte[] body)
        {
            var request = new RawRequest { Method = "POST", Target = Predict, Body = [body] };
            return type is null ? request : request.WithHeader("Content-Type", type);
        }
        string[] partTypes = ["text/plain", "image/gif", "application/pdf", "image/svg+xml", "text/html", "application/json", "video/mp4", "image/webp"];
        return (i % 16) switch
        {
            0 => Case("wrong-content-type", "raw PNG body as image/png", WithType("image/png", png), Unsupported),
            1 => Case("wrong-content-type", "raw PNG body as application/octet-stream", WithType("application/octet-stream", png), Unsupported),
            2 => Case("wrong-content-type", "multipart body declared text/plain", WithType("text/plain", form.Build()), Unsupported),
            3 => Case("wrong-content-type", "multipart body declared multipart/mixed", WithType($"multipart/mixed; boundary={form.Boundary}", form.Build()), Unsupported),
            4 => Case("wrong-content-type", "multipart body declared multipart/related", WithType($"multipart/related; boundary={form.Boundary}", form.Build()), Unsupported),
            5 => Case("wrong-content-type", "PNG as application/x-www-form-urlencoded", WithType("application/x-www-form-urlencoded", png), Unsupported),
            6 => Case("wrong-content-type", "multipart/form-data without a boundary", WithType("multipart/form-data", form.Build()), BadRequest, "boundary"),
            7 => Case("wrong-content-type", "multipart/form-data with an empty boundary", WithType("multipart/form-data; boundary=", form.Build()), BadRequest),
            8 => Case("wrong-content-type", "an unparseable Content-Type", WithType("!!!/???; ;;", form.Build()), Unsupported),
            9 => Case("wrong-content-type", "multipart body without any Content-Type", WithType(null, form.Build()), Unsupported),
            10 => Case("wrong-content-type", "Content-Type */*", WithType("*/*", form.Build()), Unsupported),
            11 => Case("wrong-content-type", "a boundary with an unterminated quote",
                       WithType("multipart/form-data; boundary=\"capsnet-loadtest-boundary", form.Build()), [400, 415]),
            _ => Case("wrong-content-type", "the PNG part declared as another type",
                      Form(new MultipartBody().File("image", "digit.png", partTypes[_rng.Next(partTypes.Length)], png)), Unsupported, "declared"),
        };
    }

    private HostileCase JsonBody(int i)
    {
        var png = _digits.Png(_rng.Next(_digits.Count));
        var b64 = Convert.ToBase64String(png);
        (string Type, string Body)[] variants =
        [
            ("application/json", $"{{\"image\":\"{b64}\"}}"),
            ("application/json", $"{{\"image\":\"data:image/png;base64,{b64}\"}}"),
            ("application/json", $"[{{\"image\":\"{b64}\"}},{{\"image\":\"{b64}\"}}]"),
            ("application/json", "{\"image\":null}"),
            ("application/json", "{\"image\":"),
            ("application/json; charset=utf-8", $"{{\"images\":[\"{b64}\"]}}"),
            ("text/json", $"{{\"image\":\"{b64}\"}}"),
            ("application/problem+json", "{\"status\":200}"),
            ("application/x-www-form-urlencoded", $"image={Uri.EscapeDataString(b64)}"),
            ("text/plain", b64),
        ];
        var (type, body) = variants[i % variants.Length];
        return Case("json-body", $"{type}: {Clip(body, 40)}",
                    new RawRequest { Method = "POST", Target = i % 4 == 3 ? Batch : Predict, Body = [Encoding.UTF8.GetBytes(body)] }
                        .WithHeader("Content-Type", type), Unsupported);
    }

    // ---------------------------------------------------------------- multipart syntax

    private HostileCase MalformedMultipart(int i)
    {
        var png = _digits.Png(_rng.Next(_digits.Count));
        var good = new MultipartBody().File("image", "digit.png", "image/png", png);
        var whole = good.Build();
        RawRequest Body(byte[] body, string? contentType = null) =>
            new RawRequest { Method = "POST", Target = Predict, Body = [body] }.WithHeader("Content-Type", contentType ?? good.ContentType);
        switch (i % 12)
        {
            case 0:
                return Case("malformed-multipart", "the body uses another boundary than the header", Body(whole, "multipart/form-data; boundary=not-the-one"), BadRequest);
            case 1:
                return Case("malformed-multipart", "no closing boundary", Body(good.Build(close: false)), BadRequest);
            case 2:
            {
                int cut = _rng.Next(10, whole.Length - 10);
                return Case("malformed-multipart", $"body cut at {cut} of {whole.Length} bytes (honest Content-Length)", Body(whole[..cut]), BadRequest);
            }
            case 3:
                return Case("malformed-multipart", "a part header line without a colon",
                            Form(new MultipartBody().Part(["Content-Disposition form-data name=image", "Content-Type: image/png"], png)), BadRequest);
            case 4:
                return Case("malformed-multipart", "a part with no headers at all", Form(new MultipartBody().Part([], png)), BadRequest);
            case 5:
            {
                var boundary = new string('b', 200 + _rng.Next(100));
                var form = new MultipartBody(boundary).File("image", "digit.png", "image/png", png);
                return Case("malformed-multipart", $"a {boundary.Length}-character boundary", Form(form), BadRequest);
            }
            case 6:
                return Case("malformed-multipart", "a 20 KiB part header",
                            Form(new MultipartBody().File("image", "digit.png", "image/png", png, $"X-Padding: {new string('a', 20 * 1024)}")), BadRequest);
            case 7:
                return Case("malformed-multipart", "a part with 40 header lines",
                            Form(new MultipartBody().File("image", "digit.png", "image/png", png,
                                 Enumerable.Range(0, 40).Select(n => $"X-Header-{n}: {n}").ToArray())), BadRequest);
            case 8:
                return Case("malformed-multipart", "bare LF line endings",
                            Body(Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(whole).Replace("\r\n", "\n"))), BadRequest);
            case 9:
                return Case("malformed-multipart", "garbage before and instead of any boundary", Body(RandomBytes(_rng.Next(100, 3000))), BadRequest);
            case 10:
            {
                var form = new MultipartBody().File("image", "../../../../etc/passwd\u0001\u0007", "image/png", Encoding.ASCII.GetBytes("root:x:0:0:root:/root:/bin/bash\n"));
                return Case("malformed-multipart", "a path-traversal file name with control characters (not an image)", Form(form), NotAnImage, "passwd");
            }
            default:
            {
                var form = new MultipartBody().File("image", new string('n', 5000) + ".png", "image/png", RandomBytes(200));
                return Case("malformed-multipart", "a 5,000-character file name (not an image)", Form(form), NotAnImage);
            }
        }
    }

    // ---------------------------------------------------------------- slow senders

    private HostileCase SlowSender(int i)
    {
        var png = _digits.Png(_rng.Next(_digits.Count));
        var realForm = new MultipartBody().File("image", "digit.png", "image/png", png);
        var junkForm = new MultipartBody().File("image", "junk.png", "image/png", RandomBytes(1500));
        RawRequest Slow(byte[] body, Pacing? pacing = null, long? stallAfter = null, bool chunked = false, long? declared = null) =>
            new RawRequest { Method = "POST", Target = Predict, Body = [body], Pacing = pacing, StallAfterBytes = stallAfter, Chunked = chunked, DeclaredLength = declared }
                .WithHeader("Content-Type", realForm.ContentType);
        // Kestrel's minimum body rate (240 bytes/s after a 5 s grace) decides what is too slow.
        return (i % 5) switch
        {
            0 => Case("slow-sender", "not-an-image body trickled at ~1 KB/s (slow but acceptable)",
                      Slow(junkForm.Build(), new Pacing(64, TimeSpan.FromMilliseconds(60))), NotAnImage, slow: true),
            1 => Case("slow-sender", "a real digit trickled at 20 bytes/s",
                      Slow(realForm.Build(), new Pacing(8, TimeSpan.FromMilliseconds(400))), [408], slow: true),
            2 => Case("slow-sender", "half the body, then silence",
                      Slow(realForm.Build(), stallAfter: realForm.Build().Length / 2), [408], slow: true),
            3 => Case("slow-sender", "headers only, Content-Length promised, no body",
                      Slow(realForm.Build(), stallAfter: 0), [408], slow: true),
            _ => Case("slow-sender", "chunked, one chunk, then silence",
                      Slow(realForm.Build(), stallAfter: 100, chunked: true), [408], slow: true),
        };
    }

    // ---------------------------------------------------------------- requests to the wrong place

    private HostileCase WrongRequest(int i)
    {
        var png = _digits.Png(_rng.Next(_digits.Count));
        var form = new MultipartBody().File("image", "digit.png", "image/png", png);
        RawRequest To(string method, string target, bool withBody = true) => withBody
            ? new RawRequest { Method = method, Target = target, Body = [form.Build()] }.WithHeader("Content-Type", form.ContentType)
            : new RawRequest { Method = method, Target = target };
        return (i % 10) switch
        {
            0 => Case("wrong-request", "GET /predict", To("GET", Predict, withBody: false), [405]),
            1 => Case("wrong-request", "PUT /predict with an image", To("PUT", Predict), [405]),
            2 => Case("wrong-request", "DELETE /model", To("DELETE", "/model", withBody: false), [405]),
            3 => Case("wrong-request", "PATCH /predict/batch", To("PATCH", Batch), [405]),
            4 => Case("wrong-request", "POST to an unknown address", To("POST", "/predict/now"), [404]),
            5 => Case("wrong-request", "a path-traversal address", To("GET", "/../../etc/passwd", withBody: false), [400, 404]),
            6 => Case("wrong-request", "?format=xml", To("POST", Predict + "?format=xml"), BadRequest, "format"),
            7 => Case("wrong-request", "?format= empty", To("POST", Predict + "?format="), BadRequest, "format"),
            8 => Case("wrong-request", "?format=%00%0d%0a control characters", To("POST", Predict + "?format=%00%0d%0aSet-Cookie:x"), BadRequest, "format"),
            _ => Case("wrong-request", "POST /model", To("POST", "/model"), [405]),
        };
    }

    private HostileCase BatchAbuse(int i)
    {
        (string Name, byte[] Bytes, string? Type, int[] Expected) bad = (i % 6) switch
        {
            0 => ("not an image", RandomBytes(300), "image/png", NotAnImage),
            1 => ("a truncated PNG", _digits.Png(_rng.Next(_digits.Count))[..40], "image/png", NotAnImage),
            2 => ("a 50,000×50,000 header", PngForge.ClaimedSize(50_000, 50_000), "image/png", NotAnImage),
            3 => ("an empty file", [], "image/png", BadRequest),
            4 => ("a text/plain part", _digits.Png(_rng.Next(_digits.Count)), "text/plain", Unsupported),
            _ => ("a blank image", MnistDigits.Blank(100, 255), "image/png", NotAnImage),
        };
        var (request, position) = BatchWith(bad.Bytes, "bad.png", bad.Type, goodCount: _rng.Next(2, 12));
        return Case("batch-abuse", $"{bad.Name} as image {position + 1} of a batch", request, bad.Expected, $"Image {position + 1}");
    }

    // ---------------------------------------------------------------- refused by Kestrel itself

    private HostileCase ProtocolLevel(int i)
    {
        var form = new MultipartBody().File("image", "digit.png", "image/png", _digits.Png(_rng.Next(_digits.Count)));
        var body = form.Build();
        return (i % 5) switch
        {
            0 => Case("protocol-level", "two different Content-Length headers",
                      new RawRequest { Method = "POST", Target = Predict, Body = [body], OmitFraming = true }
                          .WithHeader("Content-Type", form.ContentType).WithHeader("Content-Length", body.Length.ToString())
                          .WithHeader("Content-Length", (body.Length + 7).ToString()), [400], protocol: true),
            1 => Case("protocol-level", "a 40 KiB request header",
                      new RawRequest { Method = "POST", Target = Predict, Body = [body] }.WithHeader("Content-Type", form.ContentType)
                          .WithHeader("X-Padding", new string('a', 40 * 1024)), [431], protocol: true),
            2 => Case("protocol-level", "a 10 KiB request line",
                      new RawRequest { Method = "POST", Target = Predict + "?q=" + new string('q', 10 * 1024), Body = [body] }
                          .WithHeader("Content-Type", form.ContentType), [414], protocol: true),
            3 => Case("protocol-level", "a chunk size that is not hexadecimal",
                      new RawRequest { Method = "POST", Target = Predict, Body = ["zz\r\nhello\r\n0\r\n\r\n"u8.ToArray()], OmitFraming = true }
                          .WithHeader("Content-Type", form.ContentType).WithHeader("Transfer-Encoding", "chunked"), [400], protocol: true),
            _ => Case("protocol-level", "a header name with a space in it",
                      new RawRequest { Method = "POST", Target = Predict, Body = [body] }.WithHeader("Content-Type", form.ContentType)
                          .WithHeader("Bad Header", "x"), [400], protocol: true),
        };
    }

    // ---------------------------------------------------------------- building blocks

    private (byte[] Bytes, string Kind) RealImage()
    {
        int index = _rng.Next(_digits.Count);
        return _rng.Next(3) switch
        {
            0 => (_digits.Png(index), "png-28"),
            1 => (_digits.Drawing(index, 140, SKEncodedImageFormat.Png), "png-drawing"),
            _ => (_digits.Drawing(index, 140, SKEncodedImageFormat.Jpeg), "jpeg"),
        };
    }

    private static string Extension(string kind) => kind == "jpeg" ? "jpg" : "png";
    private static string MimeOf(string kind) => kind == "jpeg" ? "image/jpeg" : "image/png";

    private static RawRequest Upload(byte[] bytes, string fileName, string? contentType, string target = Predict) =>
        Form(new MultipartBody().File("image", fileName, contentType, bytes), target);

    private static RawRequest Form(MultipartBody form, string target = Predict) =>
        new RawRequest { Method = "POST", Target = target, Body = [form.Build()] }.WithHeader("Content-Type", form.ContentType);

    /// <summary>A batch of real digits with <paramref name="bad"/> at a random position.</summary>
    private (RawRequest Request, int Position) BatchWith(byte[] bad, string fileName, string? contentType, int goodCount = 3)
    {
        int count = goodCount + 1, position = _rng.Next(count);
        var form = new MultipartBody();
        for (int f = 0; f < count; f++)
        {
            if (f == position) form.File("images", fileName, contentType, bad);
            else form.File("images", $"good{f}.png", "image/png", _digits.Png(_rng.Next(_digits.Count)));
        }
        return (Form(form, Batch), position);
    }

    private HostileCase BatchCase(string category, string name, byte[] bad, string fileName, string? type, int[] expected, string? mention)
    {
        var (request, position) = BatchWith(bad, fileName, type);
        return Case(category, $"{name} (image {position + 1})", request, expected, mention is null ? $"Image {position + 1}" : mention);
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _rng.NextBytes(bytes);
        return bytes;
    }

    private static byte[] TinyBmp()
    {
        // BITMAPFILEHEADER + BITMAPINFOHEADER for a 1×1 24-bit image.
        var bmp = new byte[58];
        bmp[0] = (byte)'B'; bmp[1] = (byte)'M'; bmp[2] = 58; bmp[10] = 54; bmp[14] = 40; bmp[18] = 1; bmp[22] = 1; bmp[26] = 1; bmp[28] = 24;
        return bmp;
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static HostileCase Case(string category, string name, RawRequest request, int[] expected, string? mention = null,
                                    bool protocol = false, bool slow = false) =>
        new(0, category, name, request, expected, mention, protocol, slow);
}
