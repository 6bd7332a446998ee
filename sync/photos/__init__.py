"""Photos: image checks, content-addressed keeping, resumable (tus) uploads and their expiry,
and linking photos to what they belong to in whichever order they arrive."""
