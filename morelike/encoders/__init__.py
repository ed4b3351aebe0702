"""Text encoders: a title's document -> an L2-normalised vector (static, OpenVINO, torch or CUDA)."""
