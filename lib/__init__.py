"""Small pieces that two or more apps share, one module per concern (as healthchecks'
`hc/lib/`). The lowest floor: nothing here imports an app of the project."""
