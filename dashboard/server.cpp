// placeholder: replaced by the dashboard implementation in this change
