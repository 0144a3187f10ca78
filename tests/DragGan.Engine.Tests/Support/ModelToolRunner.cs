using DragGan.ModelTool;

namespace DragGan.Engine.Tests.Support;

/// <summary>Runs draggan-model in-process and captures its exit code and output.</summary>
public static class ModelToolRunner
{
    public static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ModelToolCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
