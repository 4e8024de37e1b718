"""Mail senders: the outbox (.eml files) and Gmail behind one interface."""
