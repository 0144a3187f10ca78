return DragGan.ModelTool.ModelToolCli.Run(args, Console.Out, Console.Error);
