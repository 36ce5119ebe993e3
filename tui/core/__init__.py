"""What the app and both backends agree on: Twilio Proxy's errors, resources, phone numbers,
wire format and the seam. No Textual and no I/O here; this layer imports nothing above it."""
