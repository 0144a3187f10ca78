using System.Text.RegularExpressions;

namespace DragGan.Deploy.Tests.Support;

/// <summary>
/// A small Dockerfile reader: instructions with their line continuations joined, comments kept per
/// stage, global ARG defaults for resolving FROM. Enough to check this repository's rules.
/// </summary>
public sealed partial class Dockerfile
{
    public sealed record Instruction(string Keyword, string Arguments, int Line);

    public sealed class Stage
    {
        public required string From { get; init; }
        public required string? Name { get; init; }
        public required string Image { get; init; }
        public List<Instruction> Instructions { get; } = [];
        public List<string> Comments { get; } = [];

        public IEnumerable<Instruction> Get(string keyword) =>
            Instructions.Where(i => i.Keyword.Equals(keyword, StringComparison.OrdinalIgnoreCase));

        /// <summary>ARG defaults declared in this stage.</summary>
        public Dictionary<string, string?> Args => Get("ARG").Select(i => SplitArg(i.Arguments)).ToDictionary(p => p.Key, p => p.Value);
    }

    public Dictionary<string, string?> GlobalArgs { get; } = [];
    public List<Stage> Stages { get; } = [];
    public string Path { get; }

    private Dockerfile(string path) => Path = path;

    public Stage Final => Stages[^1];

    public static Dockerfile Load(params string[] repoPath)
    {
        var file = new Dockerfile(string.Join('/', repoPath));
        var lines = Repo.Read(repoPath).Replace("\r\n", "\n").Split('\n');
        var pendingComments = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
                continue;
            if (line.StartsWith('#'))
            {
                pendingComments.Add(line.TrimStart('#').Trim());
                continue;
            }
            var start = i + 1;
            var text = line;
            while (text.EndsWith('\\') && i + 1 < lines.Length)
            {
                text = text[..^1];
                var next = lines[++i].Trim();
                if (next.StartsWith('#'))
                    continue;
                text += " " + next;
            }
            var match = InstructionPattern().Match(text);
            if (!match.Success)
                throw new FormatException($"{file.Path}:{start}: not an instruction: {text}");
            var instruction = new Instruction(match.Groups[1].Value.ToUpperInvariant(), Regex.Replace(match.Groups[2].Value, @"\s+", " ").Trim(), start);
            if (instruction.Keyword == "FROM")
            {
                var parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--")).ToArray();
                string? name = parts.Length == 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null;
                file.Stages.Add(new Stage { From = parts[0], Name = name, Image = file.Resolve(parts[0]) });
                file.Stages[^1].Comments.AddRange(pendingComments);
            }
            else if (file.Stages.Count == 0)
            {
                if (instruction.Keyword != "ARG")
                    throw new FormatException($"{file.Path}:{start}: only ARG may come before the first FROM.");
                var (key, value) = SplitArg(instruction.Arguments);
                file.GlobalArgs[key] = value;
            }
            else
            {
                file.Stages[^1].Instructions.Add(instruction);
                file.Stages[^1].Comments.AddRange(pendingComments);
            }
            pendingComments.Clear();
        }
        if (file.Stages.Count > 0)
            file.Stages[^1].Comments.AddRange(pendingComments);
        return file;
    }

    /// <summary>Substitutes ${NAME} and $NAME from the global ARG defaults.</summary>
    public string Resolve(string text) => VariablePattern().Replace(text, m =>
    {
        var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
        return GlobalArgs.TryGetValue(name, out var value) && value is not null
            ? value
            : throw new FormatException($"{Path}: ${name} has no default.");
    });

    private static (string Key, string? Value) SplitArg(string arguments)
    {
        var eq = arguments.IndexOf('=');
        return eq < 0 ? (arguments.Trim(), null) : (arguments[..eq].Trim(), arguments[(eq + 1)..].Trim().Trim('"'));
    }

    [GeneratedRegex(@"^([A-Za-z]+)\s*(.*)$")]
    private static partial Regex InstructionPattern();

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VariablePattern();
}

/// <summary>The repository's .dockerignore, with Docker's order: the last matching pattern wins, '!' re-includes.</summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Include)> _rules = [];

    public static DockerIgnore Load()
    {
        var ignore = new DockerIgnore();
        foreach (var raw in Repo.Read(".dockerignore").Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var include = line.StartsWith('!');
            var pattern = (include ? line[1..] : line).Trim('/');
            var regex = "^" + Regex.Escape(pattern).Replace(@"\*\*/", "(.*/)?").Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]") + "(/.*)?$";
            ignore._rules.Add((new Regex(regex), include));
        }
        return ignore;
    }

    public bool Excludes(string path)
    {
        var excluded = false;
        foreach (var (pattern, include) in _rules)
        {
            if (pattern.IsMatch(path))
                excluded = !include;
        }
        return excluded;
    }
}
