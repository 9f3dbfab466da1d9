"""The old video app (app label `video`): its models, copied from the seed."""
