"""The Hesabe-style dialect (`/api/v1`): login tokens, the AES envelope, invoices."""
