"""What each area of discipline registers with the core registry (menu entries, to-dos, reminders, person facts,
record kinds): one module per area, each with `register(nav)`, called from DisciplineConfig.ready."""
