# Only built-in Terraform features: no provider is downloaded, so the module plans and applies
# offline. terraform_data needs Terraform 1.4 or newer.
terraform {
  required_version = ">= 1.4.0"
}
