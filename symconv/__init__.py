"""symconv: symbolic, proven backward passes for CNN layers."""
