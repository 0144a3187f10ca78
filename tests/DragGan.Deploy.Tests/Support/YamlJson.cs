using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DragGan.Deploy.Tests.Support;

/// <summary>
/// YAML to JSON nodes, resolving plain scalars by the YAML 1.2 core schema (null, booleans,
/// integers, floats; anything quoted stays a string), as Helm does before it validates values
/// against values.schema.json. Also Helm's merge of a values file over the chart's defaults.
/// </summary>
public static partial class YamlJson
{
    public static JsonNode? Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    public static JsonNode? ParseFile(params string[] repoPath) => Parse(Repo.Read(repoPath));

    /// <summary>Numbers come back backed by JSON text, so they read as int, long, double or decimal alike.</summary>
    public static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => ConvertMapping(map),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static JsonObject ConvertMapping(YamlMappingNode map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? "";
            if (result.ContainsKey(name))
                throw new InvalidOperationException($"Duplicate key '{name}' at {key.Start}.");
            result[name] = Convert(value);
        }
        return result;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == "tag:yaml.org,2002:str"))
            return JsonValue.Create(text);
        if (text is "" or "~" or "null" or "Null" or "NULL")
            return null;
        if (text is "true" or "True" or "TRUE")
            return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE")
            return JsonValue.Create(false);
        if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture));
        if (FloatPattern().IsMatch(text))
            return JsonNode.Parse(double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
        return JsonValue.Create(text);
    }

    /// <summary>Helm's coalescing of a values file over the defaults: maps merge, null deletes, the rest replaces.</summary>
    public static JsonNode? Merge(JsonNode? defaults, JsonNode? overrides)
    {
        if (defaults is not JsonObject baseObject || overrides is not JsonObject overrideObject)
            return overrides?.DeepClone();
        var merged = (JsonObject)baseObject.DeepClone();
        foreach (var (key, value) in overrideObject)
        {
            if (value is null)
                merged.Remove(key);
            else
                merged[key] = Merge(merged[key], value);
        }
        return merged;
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
