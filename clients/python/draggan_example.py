#!/usr/bin/env python3
"""Calls the DragGAN session service from Python: creates a session from a seed (or inverts a
photo into one, tuning the model to it), runs a bidirectional drag printing each frame, stops it,
undoes it and exports the image as PNG.

The stubs come from protos/ (./generate.sh); the runtime is python3-grpcio and python3-protobuf.

    ./generate.sh && PYTHONPATH=gen python3 draggan_example.py --address localhost:8080 \\
        --seed 7 --point 61,98:61,110 --steps 20 --png out.png
    PYTHONPATH=gen python3 draggan_example.py --photo me.png --point 61,98:61,110 --png out.png
"""

import argparse
import os
import queue
import sys

import grpc

from draggan.v1 import common_pb2, inference_pb2, sessions_pb2, sessions_pb2_grpc


def point_pair(text):
    """'x,y:x2,y2' -> a PointPair moving the handle (x, y) to the target (x2, y2)."""
    try:
        (x, y), (x2, y2) = (map(float, part.split(",")) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected x,y:x2,y2, got {text!r}")
    return common_pb2.PointPair(handle=common_pb2.Point(x=x, y=y), target=common_pb2.Point(x=x2, y=y2))


def drag(sessions, metadata, session_id, points, steps):
    """Runs a drag on the bidirectional Drag stream, printing each frame, and stops it once it
    converges or reaches its step limit. Returns the last frame, which carries the committed entry."""
    requests = queue.Queue()
    requests.put(sessions_pb2.SessionDragRequest(start=sessions_pb2.SessionDragStart(
        session_id=session_id, points=points, parameters=common_pb2.DragParameters(max_steps=steps))))

    def outgoing():
        # The request stream stays open while the drag runs; None half-closes it.
        while (request := requests.get()) is not None:
            yield request

    last = None
    try:
        for frame in sessions.Drag(outgoing(), metadata=metadata):
            last = frame
            step = frame.frame
            if frame.HasField("committed_entry_id"):
                break
            print(f"step {step.step} distance {max(step.distances, default=0.0):.2f} loss {step.loss:.4f}", flush=True)
            if step.converged or step.step_limit_reached:
                requests.put(sessions_pb2.SessionDragRequest(stop=inference_pb2.DragStop()))
    finally:
        requests.put(None)
    return last


def create(sessions, metadata, args):
    """A session from the seed, or from the photo: inverted, and the model tuned to it (the
    service's default for uploads), which takes a while on a CPU."""
    if not args.photo:
        return sessions.CreateSession(sessions_pb2.CreateSessionRequest(
            seed=sessions_pb2.SeedSessionSource(seed=args.seed)), metadata=metadata, timeout=60).session
    with open(args.photo, "rb") as file:
        data = file.read()
    encoding = common_pb2.IMAGE_ENCODING_JPEG if data[:2] == b"\xff\xd8" else common_pb2.IMAGE_ENCODING_PNG
    options = sessions_pb2.InvertOptions()
    if args.projection_steps:
        options.steps = args.projection_steps
    if args.tuning_steps:
        options.tuning_steps = args.tuning_steps
    session = sessions.CreateSession(sessions_pb2.CreateSessionRequest(
        image=sessions_pb2.ImageSessionSource(image=common_pb2.EncodedImage(encoding=encoding, data=data), options=options),
        view=sessions_pb2.SESSION_VIEW_FULL), metadata=metadata, timeout=3600).session
    inverted = session.history[0]
    print(f"inverted {args.photo} in {inverted.steps} steps: PSNR {inverted.psnr:.2f} dB, "
          f"tuned weight delta {session.weight_delta_bytes} bytes", flush=True)
    return session


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", default=os.environ.get("DRAGGAN_ADDRESS", "localhost:8080"),
                        help="host:port of the session service's gRPC endpoint (plain text)")
    parser.add_argument("--api-key", default=os.environ.get("DRAGGAN_API_KEY"),
                        help="API key (default: $DRAGGAN_API_KEY; none in Development)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--photo", help="a square PNG or JPEG to invert into the session instead of a seed")
    parser.add_argument("--projection-steps", type=int, help="with --photo: projection steps (default 1000)")
    parser.add_argument("--tuning-steps", type=int, help="with --photo: pivotal-tuning steps (default 350)")
    parser.add_argument("--point", type=point_pair, action="append", required=True, help="handle and target, x,y:x2,y2")
    parser.add_argument("--steps", type=int, default=20, help="most optimisation steps")
    parser.add_argument("--png", required=True, help="where to write the image after the undo")
    args = parser.parse_args()

    metadata = [("authorization", f"Bearer {args.api_key}")] if args.api_key else []
    with grpc.insecure_channel(args.address) as channel:
        sessions = sessions_pb2_grpc.SessionsStub(channel)
        try:
            session = create(sessions, metadata, args)
            print(f"session {session.id} model {session.model} {session.resolution}px", flush=True)

            last = drag(sessions, metadata, session.id, args.point, args.steps)
            if last is None or not last.HasField("committed_entry_id"):
                print("the drag ended without a committed entry", file=sys.stderr)
                return 1
            print(f"committed entry {last.committed_entry_id}", flush=True)

            undone = sessions.Undo(sessions_pb2.UndoRequest(session_id=session.id), metadata=metadata, timeout=30)
            entry = undone.history[undone.current_index]
            print(f"undo: at entry {entry.id} ({undone.current_index + 1} of {len(undone.history)})", flush=True)

            exported = sessions.ExportImage(sessions_pb2.ExportImageRequest(session_id=session.id), metadata=metadata, timeout=60)
            with open(args.png, "wb") as file:
                file.write(exported.image.data)
            print(f"wrote {args.png} (entry {exported.entry_id}, {exported.image.width}x{exported.image.height})", flush=True)
            return 0
        except grpc.RpcError as error:
            print(f"{error.code().name}: {error.details()}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())
