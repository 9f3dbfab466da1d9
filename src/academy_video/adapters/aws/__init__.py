"""Amazon Web Services beyond storage: starting the transcoding machine."""
