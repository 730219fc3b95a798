"""The Lessons view, the "Start here" tour and the glossary: a path through the course."""
