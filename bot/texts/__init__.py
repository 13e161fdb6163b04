"""Every user-facing text catalogue, in five languages: the actions' and the widget's texts."""
