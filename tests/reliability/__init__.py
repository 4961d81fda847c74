"""Issue 10: what the client does under faults it cannot predict (a real fault proxy in front of a
LocalSynapse, or a scripted MockTransport), with bad input, and with secrets around."""
