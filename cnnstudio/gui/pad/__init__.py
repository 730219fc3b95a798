"""The drawing pad: draw a digit, watch a trained network recognise it live (issue 12)."""
