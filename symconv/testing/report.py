def explain(result):
    return "\n".join("  " + m.message for m in result.mismatches)
