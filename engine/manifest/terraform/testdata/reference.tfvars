e = var.a
