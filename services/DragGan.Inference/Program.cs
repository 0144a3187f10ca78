using DragGan.Inference;

// The GPU inference service: see InferenceHost for what it serves and how it is configured.
var app = InferenceHost.CreateApplication(args);
await app.RunAsync();
