"""Control adapters and the action vocabulary: how the harness gets things done to a DUT."""
