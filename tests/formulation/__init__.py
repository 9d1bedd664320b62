"""One micro-instance per constraint family, with its optimum and duals derived by hand."""
