// placeholder: replaced by the analytics implementation in this change
