"""Analysis questions: one ``.sql`` file per question with its typed wrapper beside it."""
