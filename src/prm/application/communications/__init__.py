"""The communications context: messages to and from patients on SMS, WhatsApp and email."""
