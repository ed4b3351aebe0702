"""The shared core's catalog record: what a title is, its normalised keys and the text documents encoders read."""
