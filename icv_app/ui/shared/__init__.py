"""What every UI area uses: background tasks, inputs, form building blocks, store events."""
