"""What people read: the terminal report, the advisor's plain text, the self-contained
HTML report and its chart. Renderers receive data; they compute no statistic."""
