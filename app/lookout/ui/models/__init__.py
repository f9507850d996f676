"""Qt item models that adapt store queries for the views; they hold no SQL of their own."""
