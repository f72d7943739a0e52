#!/usr/bin/env python3
"""Publishes a webcam or a video file as one mmstream stream's VideoFrame records on mm.video, JPEG-encoded with
OpenCV, keyed by the stream id, in real time (a file at its own frame rate unless --fast).

  python3 examples/python/produce_video.py --bootstrap localhost:9092 --stream-id cam-1 --video 0          # webcam 0
  python3 examples/python/produce_video.py --bootstrap localhost:9092 --stream-id clip-1 --video clip.mp4

A camera's frames carry the wall clock when they were read; a file's, the moment publishing began plus each frame's
own position in the file (so --fast keeps their spacing). Needs Debian's python3-opencv, python3-confluent-kafka and
python3-avro."""

import argparse
import sys
import time

import cv2
from confluent_kafka import Producer

from mmstream_avro import Codec, timestamp


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--stream-id", required=True)
    parser.add_argument("--video", required=True, help="a camera index (0) or device, or a file or URL OpenCV reads")
    parser.add_argument("--topic", default="mm.video")
    parser.add_argument("--width", type=int, default=0, help="scale frames to this width (keeping the aspect ratio); 0 keeps them")
    parser.add_argument("--jpeg-quality", type=int, default=85)
    parser.add_argument("--max-frames", type=int, default=0, help="stop after this many frames (0: at the end, or never for a camera)")
    parser.add_argument("--fast", action="store_true", help="a file as fast as possible, not at its frame rate")
    args = parser.parse_args(argv)

    camera = args.video.isdigit() or args.video.startswith("/dev/video")
    capture = cv2.VideoCapture(int(args.video) if args.video.isdigit() else args.video)
    if not capture.isOpened():
        sys.exit(f"error: OpenCV cannot open --video {args.video}")
    codec = Codec()
    producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", "enable.idempotence": True, "linger.ms": 5})
    failures = []
    start_micros = time.time_ns() // 1000
    start_clock = time.monotonic()
    frame_micros = round(1e6 / (capture.get(cv2.CAP_PROP_FPS) or 30))
    position_micros = -frame_micros
    seq = 0
    while args.max_frames == 0 or seq < args.max_frames:
        ok, frame = capture.read()
        if not ok:
            break
        if camera:
            capture_micros = time.time_ns() // 1000
        else:
            # OpenCV's FFmpeg reader reports position 0 for the last frames it drains at the end: one frame on, then
            reported = int(capture.get(cv2.CAP_PROP_POS_MSEC) * 1000)
            position_micros = reported if reported > position_micros else position_micros + frame_micros
            capture_micros = start_micros + position_micros
            if not args.fast:
                time.sleep(max(0.0, start_clock + position_micros / 1e6 - time.monotonic()))
        if args.width and frame.shape[1] != args.width:
            frame = cv2.resize(frame, (args.width, round(frame.shape[0] * args.width / frame.shape[1])), interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, args.jpeg_quality])
        if not ok:
            sys.exit(f"error: OpenCV could not encode frame {seq} as JPEG")
        record = {"streamId": args.stream_id, "captureTime": timestamp(capture_micros), "seq": seq, "width": frame.shape[1],
                  "height": frame.shape[0], "encoding": "JPEG", "data": jpeg.tobytes()}
        producer.produce(args.topic, key=args.stream_id.encode("utf-8"), value=codec.encode("VideoFrame", record),
                         on_delivery=lambda error, message: error and failures.append(error))
        producer.poll(0)
        seq += 1
    capture.release()
    if producer.flush(30) or failures:
        sys.exit(f"error: {len(failures)} frames not delivered: {failures[:3]}")
    print(f"published {seq} frames of {args.stream_id} to {args.topic}", file=sys.stderr)


if __name__ == "__main__":
    main()
