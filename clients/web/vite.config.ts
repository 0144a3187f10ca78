import { defineConfig } from "vite";

// `npm run build` writes the static site to dist/, which the session service serves.
// `npm run dev` serves the sources with hot reload and forwards the gRPC-Web calls to a session
// service on localhost:8081, so the page keeps calling its own origin either way.
export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
  server: {
    proxy: {
      "/draggan.v1.Sessions": "http://localhost:8081",
    },
  },
});
