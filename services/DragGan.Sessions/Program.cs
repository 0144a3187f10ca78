using DragGan.Sessions;

// The session service: see SessionsHost for what it serves and how it is configured.
var app = SessionsHost.CreateApplication(args);
await app.RunAsync();
