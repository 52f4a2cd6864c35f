using System.Text.Json;
using System.Text.Json.Serialization;

namespace CapsNetService.Common.Rejection;

/// <summary>
/// Reads a value written as a JSON object (capsnet.json) or as a string holding that object's JSON (ONNX
/// metadata_props hold strings only); writes the object.
/// </summary>
public sealed class EmbeddedJsonConverter<T> : JsonConverter<T> where T : class
{
    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => JsonSerializer.Deserialize<T>(reader.GetString()!, options),
        _ => JsonSerializer.Deserialize<T>(ref reader, options),
    };

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, options);
}
