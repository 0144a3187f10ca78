using System.CommandLine;
using DragGan.Training.Detection;
using DragGan.Training.Generators;

var root = new RootCommand("Trains the face models: the StyleGAN2 generator fitted to the face renderer, and the landmark detector.");
root.Add(GeneratorCommand.Create());
root.Add(DetectorCommand.Create());
return root.Parse(args).Invoke();
