variable "env" {
  type    = string
  default = "prod"
}

variable "app_image" {
  type = string
}

variable "stripe_key" {
  type      = string
  sensitive = true
}
