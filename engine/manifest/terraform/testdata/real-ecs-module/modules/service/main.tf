# Excerpt of terraform-aws-modules/terraform-aws-ecs (Apache-2.0),
# modules/service/main.tf and variables.tf at 8d25f4e9989475e2b94ede517253e2d069990073.

variable "create" {
  type    = bool
  default = true
}
variable "create_task_definition" {
  type    = bool
  default = true
}
variable "name" {
  type    = string
  default = null
}
variable "enable_execute_command" {
  type    = bool
  default = false
}
variable "container_definitions" {
  type = map(object({
    create                = optional(bool, true)
    cpu                   = optional(number)
    environment           = optional(list(object({ name = string, value = string })))
    essential             = optional(bool)
    firelensConfiguration = optional(object({ options = optional(map(string)), type = optional(string) }))
    image                 = optional(string)
    logConfiguration = optional(object({
      logDriver = optional(string)
      options   = optional(map(string))
    }))
    memory            = optional(number)
    memoryReservation = optional(number)
    name              = optional(string)
    portMappings = optional(list(object({
      containerPort = optional(number)
      hostPort      = optional(number)
      name          = optional(string)
      protocol      = optional(string, "tcp")
    })))
    secrets                     = optional(list(object({ name = string, valueFrom = string })))
    user                        = optional(string)
    enable_cloudwatch_logging   = optional(bool, true)
    create_cloudwatch_log_group = optional(bool, true)
  }))
  default = {}
}

module "container_definition" {
  source = "../container-definition"

  for_each = { for k, v in var.container_definitions : k => v if local.create_task_definition && v.create }

  enable_execute_command = var.enable_execute_command

  cpu                   = each.value.cpu
  environment           = each.value.environment
  essential             = each.value.essential
  firelensConfiguration = each.value.firelensConfiguration
  image                 = each.value.image
  logConfiguration      = each.value.logConfiguration
  memory                = each.value.memory
  memoryReservation     = each.value.memoryReservation
  name                  = coalesce(each.value.name, each.key)
  portMappings          = each.value.portMappings
  secrets               = each.value.secrets
  user                  = each.value.user

  service                     = var.name
  enable_cloudwatch_logging   = each.value.enable_cloudwatch_logging
  create_cloudwatch_log_group = each.value.create_cloudwatch_log_group
}

locals {
  create_task_definition = var.create && var.create_task_definition
}

resource "aws_ecs_task_definition" "this" {
  count = local.create_task_definition ? 1 : 0

  # Convert map of maps to array of maps before JSON encoding
  container_definitions = jsonencode([for k, v in module.container_definition : v.container_definition])
  family                = var.name
}
