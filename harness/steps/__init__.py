"""Step libraries shared by test cases and reusable states (device model, …): each step
is a few facade calls and the tool validations that go with them, written once."""
